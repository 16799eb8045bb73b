/** servicesFault against a scripted target: proof only when every service is gone; idempotent heal. */
import t from 'tap';
import { servicesFault } from '../../src/faults/services.ts';
import { interlockViolations } from '../../src/safety/interlocks.ts';
import { FakeTarget, fakeTopology, healthyHosts } from './fake-target.ts';

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
