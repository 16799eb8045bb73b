/** servicesFault against a scripted target: proof only when every service is gone; idempotent heal. */
// hadrill-test: unit waits (alone: 5.2 s of wall time, 0.3 s of CPU; scripts/run-files.mjs)
import t from 'tap';
import { servicesFault } from '../../src/faults/services.ts';
import { interlockViolations } from '../../src/safety/interlocks.ts';
import { aroundExec, FakeTarget, fakeTopology, healthyHosts } from './fake-target.ts';

t.test('stops each service, proves all are gone, heals in reverse order', async (t) => {
  const target = new FakeTarget(fakeTopology(), healthyHosts());
  const f = servicesFault({ host: 'lb1', components: ['keepalived', 'haproxy'], signal: 'KILL' });
  t.match(await f.inject({ target }), {
    effect: true,
    proof: { kind: 'service-stopped', host: 'lb1', service: 'keepalived+haproxy' },
  });
  t.same(target.log, ['stop lb1 keepalived', 'stop lb1 haproxy']);
  t.equal(await f.heal({ target }), 'haproxy and keepalived on lb1 running again');
  t.same(target.log.slice(2), ['start lb1 haproxy', 'start lb1 keepalived']);
  t.equal(await f.heal({ target }), 'keepalived+haproxy on lb1 already running');
});

t.test('no effect when a service was not running before', async (t) => {
  const hosts = healthyHosts();
  hosts.running.delete('lb1/haproxy');
  const target = new FakeTarget(fakeTopology(), hosts);
  const f = servicesFault({ host: 'lb1', components: ['keepalived', 'haproxy'], signal: 'TERM' });
  t.match(await f.inject({ target }), { effect: false, reason: /haproxy on lb1 was not running/ });
  t.same(target.log, [], 'nothing stopped');
});

t.test('stopping the only LB is refused by the interlocks; one of two is not', async (t) => {
  const f = servicesFault({ host: 'lb1', components: ['keepalived', 'haproxy'], signal: 'KILL' });
  t.same(interlockViolations(f, fakeTopology()), []);
  t.match(interlockViolations(f, fakeTopology(['lb1'])), [/only API load balancer/]);
});

t.test('effect time: the first service’s stop, within its round trip; none without proof', async (t) => {
  // A clock that says which command ran when: each exec advances it by 100 ms.
  let now = 1000;
  const timed = aroundExec(new FakeTarget(fakeTopology(), healthyHosts()), (run) => {
    now += 100;
    return run();
  });
  const f = servicesFault({ host: 'lb1', components: ['keepalived', 'haproxy'], signal: 'TERM' });
  // Two running checks 1000→1200; keepalived's stop is sent at 1200 and answered at 1300 (haproxy's
  // follows, 1300→1400): the effect is keepalived's signal, not haproxy's nor the exits after.
  t.match(await f.inject({ target: timed, nowMs: () => now }), {
    effect: true,
    effectAt: { atMs: 1250, how: /^SIGTERM sent to keepalived by its stop command, 100 ms round trip/ },
  });
  // A service that outlives its signal: no effect, so no effect time either.
  const hosts = healthyHosts();
  const stubborn = aroundExec(new FakeTarget(fakeTopology(), hosts), async (run, kind) => {
    now += 100;
    const r = await run();
    if (kind === 'stop') hosts.running.add('lb1/haproxy');
    return r;
  });
  const out = await servicesFault({ host: 'lb1', components: ['haproxy'], signal: 'KILL' }).inject({
    target: stubborn,
    nowMs: () => now,
  });
  t.match(out, { effect: false, reason: /haproxy on lb1 still runs after SIGKILL/ });
  t.notOk('effectAt' in out);
});
