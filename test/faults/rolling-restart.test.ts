/**
 * The rolling-restart fault on the scripted target: every host's components in order, each
 * restart followed by its readiness wait, the proof's steps on the run clock; a component not
 * running refuses to start the sequence; a failed readiness stops it with the error (the runner
 * then heals); the heal starts what does not run, and nothing else.
 */
import t from 'tap';
import { parsePids, rollingRestartFault } from '../../src/faults/rolling-restart.ts';
import type { Component } from '../../src/targets/types.ts';
import { aroundExec, CPS, FakeTarget, fakeTopology } from './fake-target.ts';

const COMPONENTS: Component[] = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];
const everything = () => new Set(CPS.flatMap((h) => COMPONENTS.map((c) => `${h}/${c}`)));
const fake = () =>
  new FakeTarget(fakeTopology(), { running: everything(), data: new Set(CPS), snapshots: new Set() });
const STEPS = CPS.flatMap((host) => COMPONENTS.map((component) => ({ host, component })));
const fault = () => rollingRestartFault({ steps: STEPS, readyWaitS: 60 });

t.test('each component of each host, restarted then ready, in order', async (t) => {
  const target = fake();
  let now = 0;
  const out = await fault().inject({ target, nowMs: () => (now += 10) });
  t.equal(out.effect, true);
  t.same(
    target.log,
    CPS.flatMap((h) => COMPONENTS.flatMap((c) => [`restart ${h} ${c}`, `wait-ready ${h} ${c}`])),
  );
  if (out.effect && out.proof.kind === 'restarted') {
    t.equal(out.proof.steps.length, 12);
    t.same(out.proof.steps[0], {
      host: 'cp1',
      component: 'kube-apiserver',
      oldPid: 4242,
      newPid: 5001,
      fromMs: 10,
      readyMs: 20,
    });
    t.equal(out.effectAt?.atMs, 10, 'the effect is the first restart');
  } else t.fail('a restarted proof');
});

t.test('a component not running: nothing restarted', async (t) => {
  const target = fake();
  target.hosts.running.delete('cp2/kube-scheduler');
  const out = await fault().inject({ target });
  t.match(out, { effect: false, reason: 'kube-scheduler on cp2 was not running before the restart' });
  t.same(target.log, []);
});

t.test(
  'a component found exited at its turn: its restart waits until the kubelet runs it again',
  async (t) => {
    const target = fake();
    // cp1's scheduler exits on its own right after cp1's controller-manager is ready (it lost its
    // Lease while cp1's apiserver was away); asked whether it runs (once before the sequence, then
    // by the wait), it does not at the wait's first ask and does at its second.
    let polls = 0;
    const wrapped = aroundExec(target, async (run, kind, a) => {
      if (
        kind === 'wait-ready' &&
        a.host === 'cp1' &&
        'component' in a &&
        a.component === 'kube-controller-manager'
      ) {
        const r = await run();
        target.hosts.running.delete('cp1/kube-scheduler');
        return r;
      }
      if (
        kind === 'running' &&
        a.host === 'cp1' &&
        'component' in a &&
        a.component === 'kube-scheduler' &&
        ++polls === 3
      )
        target.hosts.running.add('cp1/kube-scheduler');
      return run();
    });
    let now = 0;
    const out = await fault().inject({ target: wrapped, nowMs: () => (now += 10) });
    t.equal(out.effect, true);
    t.equal(polls, 3, 'asked whether it runs until it did');
    t.same(target.log.slice(4, 8), [
      'restart cp1 kube-scheduler',
      'restart cp1 kube-scheduler',
      'wait-ready cp1 kube-scheduler',
      'restart cp1 etcd',
    ]);
    if (out.effect && out.proof.kind === 'restarted') {
      const s = out.proof.steps[2]!;
      t.match(s, { host: 'cp1', component: 'kube-scheduler', foundExitedMs: 50, fromMs: 60, readyMs: 70 });
      t.equal(
        out.proof.steps.filter((x) => x.foundExitedMs !== undefined).length,
        1,
        'only that step says so',
      );
    } else t.fail('a restarted proof');
  },
);

t.test('a component found exited that the kubelet never starts again stops the sequence', async (t) => {
  const target = fake();
  // cp1's apiserver exits between the check before the sequence and its restart, for good.
  const gone = aroundExec(target, async (run, kind) => {
    if (kind === 'restart') target.hosts.running.delete('cp1/kube-apiserver');
    return run();
  });
  await t.rejects(
    rollingRestartFault({ steps: STEPS, readyWaitS: 0.6 }).inject({ target: gone }),
    /restarting kube-apiserver \(not running, and not started again within 0\.6 s\) on cp1 exited 3/,
  );
  t.same(target.log, ['restart cp1 kube-apiserver'], 'nothing else restarted');
});

t.test('a component that does not get ready stops the sequence with the error', async (t) => {
  const target = fake();
  target.failing.add('wait-ready');
  await t.rejects(fault().inject({ target }), /waiting for kube-apiserver to be ready on cp1 exited 1/);
  t.same(target.log, ['restart cp1 kube-apiserver', 'wait-ready cp1 kube-apiserver']);
});

t.test('the heal starts what does not run, and only that', async (t) => {
  const target = fake();
  t.equal(await fault().heal({ target }), 'every component runs');
  target.hosts.running.delete('cp3/etcd');
  t.equal(await fault().heal({ target }), 'started again: etcd on cp3');
  t.same(target.log, ['start cp3 etcd']);
});

t.test("the restart's output", async (t) => {
  t.same(parsePids('123 456\n'), { oldPid: 123, newPid: 456 });
  t.equal(parsePids('garbage'), undefined);
});
