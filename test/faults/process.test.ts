/**
 * The process fault's proof names the PID the stop signalled (the kubeadm profile prints it), not
 * only the one seen before: a component the kubelet restarted in between would otherwise be
 * reported as the one that died.
 */
import t from 'tap';
import { processFault } from '../../src/faults/process.ts';
import { aroundExec, CPS, FakeTarget, fakeTopology, healthyHosts } from './fake-target.ts';

t.test('proof: the signalled PID when the stop prints one, else the PID seen before', async (t) => {
  const target = new FakeTarget(fakeTopology(), healthyHosts());
  const f = processFault({ host: CPS[0]!, component: 'kube-apiserver', signal: 'KILL' });
  // The fake's `stop` prints nothing: the PID from `running` before the fault (4242).
  t.match(await f.inject({ target }), { effect: true, proof: { kind: 'process-gone', pid: 4242 } });
  // A stop that prints the PID it signalled (5150), as the kubeadm profile's does.
  const printing = aroundExec(new FakeTarget(fakeTopology(), healthyHosts()), async (run, kind) => {
    const r = await run();
    return kind === 'stop' ? { ...r, stdout: '5150\n' } : r;
  });
  const g = processFault({ host: CPS[1]!, component: 'kube-apiserver', signal: 'TERM' });
  t.match(await g.inject({ target: printing }), {
    effect: true,
    proof: { kind: 'process-gone', host: CPS[1], pid: 5150 },
  });
});

t.test('effect time: between sending the stop and its answer, after the running check', async (t) => {
  // A clock that says which command ran when: each exec advances it by 100 ms.
  let now = 1000;
  const timed = aroundExec(new FakeTarget(fakeTopology(), healthyHosts()), (run) => {
    now += 100;
    return run();
  });
  const f = processFault({ host: CPS[0]!, component: 'kube-apiserver', signal: 'KILL' });
  const out = await f.inject({ target: timed, nowMs: () => now });
  // running check 1000→1100; the stop is sent at 1100 and answered at 1200: effect at 1150.
  t.match(out, {
    effect: true,
    effectAt: { atMs: 1150, how: /SIGKILL sent by the stop command, 100 ms round trip/ },
  });
  const plain = await processFault({ host: CPS[1]!, component: 'kube-apiserver', signal: 'KILL' }).inject({
    target: new FakeTarget(fakeTopology(), healthyHosts()),
  });
  t.match(plain, { effect: true });
  t.notOk('effectAt' in plain, 'no run clock given: no effect time (measured from the invoke)');
});

t.test('effect time: narrowed by what the stop measured on its host; its PID still read', async (t) => {
  let now = 1000;
  // The lab CLI's stop: 40 ms before the signal (start-up), 20 ms after it (the exit), then its line.
  const hostTimed = aroundExec(new FakeTarget(fakeTopology(), healthyHosts()), async (run, kind) => {
    now += 100;
    const r = await run();
    return kind === 'stop' ? { ...r, stdout: '5150\nhadrill-effect lead-ms=40 tail-ms=20\n' } : r;
  });
  const f = processFault({ host: CPS[0]!, component: 'kube-apiserver', signal: 'TERM' });
  // The stop is sent at 1100 and answered at 1200: the signal lies in [1140, 1180].
  t.match(await f.inject({ target: hostTimed, nowMs: () => now }), {
    effect: true,
    proof: { pid: 5150 },
    effectAt: { atMs: 1160, how: /40 ms after sending the command and 20 ms before its answer/ },
  });
});

t.test(
  "the heal puts a static pod's manifest back even when a process of its name runs; a running service is left alone",
  async (t) => {
    const target = new FakeTarget(fakeTopology(), healthyHosts());
    const api = processFault({ host: 'cp1', component: 'kube-apiserver', signal: 'KILL' });
    await api.heal({ target });
    t.same(
      target.log,
      ['start cp1 kube-apiserver'],
      'start (idempotent: unparks, waits) although cp1/kube-apiserver runs',
    );
    target.log.length = 0;
    target.hosts.running.add('w1/kubelet');
    t.match(
      await processFault({ host: 'w1', component: 'kubelet', signal: 'KILL' }).heal({ target }),
      /already running/,
    );
    t.same(target.log, [], 'no restart of a running service');
  },
);
