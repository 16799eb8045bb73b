/**
 * The etcd-restore fault against a scripted target: the order of the DR procedure, the snapshot
 * events on the timeline, the snapshot copied to every member, refusal to report an effect it
 * did not have, and an idempotent heal that restores members whose data is gone.
 */
import t from 'tap';
import { etcdRestore } from '../../scenarios/etcd-restore.ts';
import { etcdRestoreFault, parseSnapshotStatus } from '../../src/faults/etcd-restore.ts';
import type { ScenarioContext } from '../../src/runner/scenario.ts';
import { interlockViolations } from '../../src/safety/interlocks.ts';
import { TimelineRecorder } from '../../src/timeline/recorder.ts';
import { sleep } from '../../src/util/time.ts';
import { aroundExec, CPS, FakeTarget, fakeTopology, healthyHosts } from './fake-target.ts';

function setup(onDisaster?: () => void, keepSnapshot?: boolean) {
  const target = new FakeTarget(fakeTopology(), healthyHosts());
  const rec = new TimelineRecorder();
  const fault = etcdRestoreFault({
    members: CPS.map((h) => ({ host: h, member: h })),
    apiservers: CPS,
    snapshotFrom: { host: 'cp2', member: 'cp2' },
    token: 'tok-1',
    postSnapshotMs: 20,
    sink: rec.sink('etcd-restore'),
    onDisaster,
    keepSnapshot,
  });
  return { target, rec, fault };
}

t.test('parseSnapshotStatus reads the JSON line of etcdctl snapshot status', async (t) => {
  t.match(
    parseSnapshotStatus('Snapshot saved at x\n{"hash":1,"revision":12,"totalKey":3,"totalSize":20480}\n'),
    {
      revision: 12,
      totalSize: 20480,
    },
  );
  t.throws(() => parseSnapshotStatus('Error: no such file'), /no snapshot status/);
});

t.test('inject: snapshot, copy, stop apiservers then etcd, wipe, restore, start', async (t) => {
  let disasterAt = -1;
  const { target, rec, fault } = setup(() => {
    disasterAt = target.log.length;
  });
  const out = await fault.inject({ target });
  t.match(out, { effect: true, proof: { kind: 'data-destroyed', host: 'cp1,cp2,cp3' } });
  const log = target.log;
  const idx = (s: string) => log.indexOf(s);
  t.equal(log[0], 'etcd-snapshot cp2');
  t.ok(idx('write-etcd-snapshot cp1') > 0 && idx('write-etcd-snapshot cp3') > 0, 'copied to cp1 and cp3');
  t.equal(idx('write-etcd-snapshot cp2'), -1, 'not copied onto itself');
  const snapInput = target.inputs[idx('write-etcd-snapshot cp1')];
  t.equal(snapInput, 'U05BUA==', 'the snapshot bytes go through stdin');
  t.ok(disasterAt > idx('write-etcd-snapshot cp3'), 'the write probe stops after the snapshot is out');
  for (const h of CPS) {
    t.ok(idx(`stop ${h} kube-apiserver`) < idx('stop cp1 etcd'), `apiserver ${h} stopped before any etcd`);
    t.ok(idx(`stop ${h} etcd`) < idx(`wipe-etcd-data ${h}`), `etcd ${h} stopped before its wipe`);
    t.ok(idx(`wipe-etcd-data ${h}`) < idx(`restore-etcd ${h}`), `${h} wiped before its restore`);
    t.ok(idx(`restore-etcd ${h}`) < idx(`start ${h} etcd`), `${h} restored before etcd starts`);
    t.ok(idx(`start ${h} etcd`) < idx(`start ${h} kube-apiserver`), `etcd ${h} before its apiserver`);
  }
  t.ok(
    CPS.every((h) => idx(`restore-etcd ${h}`) < Math.min(...CPS.map((x) => idx(`start ${x} etcd`)))),
    'every member restored before any etcd starts (a new cluster)',
  );
  const types = rec.events().map((e) => e.type);
  t.ok(types.indexOf('snapshot.invoke') < types.indexOf('snapshot.done'));
  t.match(
    rec.events().find((e) => e.type === 'snapshot.done'),
    { member: 'cp2', revision: 4711, bytes: 65536 },
  );
  t.same([...target.hosts.data].sort(), CPS, 'every member has data again');
  t.equal(await fault.heal({ target }), 'etcd and every apiserver running', 'heal after success is a no-op');
});

t.test('heal after a failed restore: restores the members without data and starts everything', async (t) => {
  const { target, fault } = setup();
  target.failing.add('restore-etcd');
  await t.rejects(fault.inject({ target }), /restoring cp1/);
  t.same([...target.hosts.data], [], 'data destroyed, not restored');
  target.failing.delete('restore-etcd');
  t.match(await fault.heal({ target }), /restored cp1, cp2, cp3 from the snapshot/);
  for (const h of CPS)
    t.ok(target.hosts.running.has(`${h}/etcd`) && target.hosts.running.has(`${h}/kube-apiserver`));
  t.equal(await fault.heal({ target }), 'etcd and every apiserver running', 'idempotent');
});

t.test('the heal removes the snapshot copies from every member, last', async (t) => {
  const { target, fault } = setup();
  t.equal((await fault.inject({ target })).effect, true);
  t.same([...target.hosts.snapshots].sort(), CPS, 'a copy on every member after the inject');
  const healedAt = target.log.length;
  t.equal(await fault.heal({ target }), 'etcd and every apiserver running');
  t.same([...target.hosts.snapshots], [], 'every copy removed');
  t.same(
    target.log.slice(healedAt).filter((l) => l.includes('snapshot')),
    CPS.map((h) => `remove-etcd-snapshot ${h}`),
  );
  const plan = fault.plan(target).filter((s) => s.step === 'heal');
  t.same(
    plan.filter((s) => s.argv[0]?.includes('snapshot')).map((s) => `${s.argv[0]} ${s.host}`),
    CPS.map((h) => `remove-etcd-snapshot ${h}`),
  );
});

t.test('--keep-snapshot: the copies stay, and the heal says where', async (t) => {
  const { target, fault } = setup(undefined, true);
  t.equal((await fault.inject({ target })).effect, true);
  const healedAt = target.log.length;
  t.equal(
    await fault.heal({ target }),
    'etcd and every apiserver running; snapshot kept (0600, every Secret of the cluster: remove it when done) at cp1:/data/cp1/hadrill-snapshot.db, cp2:/data/cp2/hadrill-snapshot.db, cp3:/data/cp3/hadrill-snapshot.db',
  );
  t.same([...target.hosts.snapshots].sort(), CPS, 'every copy kept');
  t.same(
    target.log.slice(healedAt).filter((l) => l.includes('snapshot')),
    CPS.map((h) => `keep-etcd-snapshot ${h}`),
    'nothing removed',
  );
  const heal = fault.plan(target).filter((s) => s.step === 'heal');
  t.same(
    heal.filter((s) => s.argv[0]?.includes('snapshot')).map((s) => `${s.argv[0]} ${s.host}`),
    CPS.map((h) => `keep-etcd-snapshot ${h}`),
    'the journaled heal (recover) keeps them too',
  );
  // Before any copy was made, keeping is a no-op that says so.
  const early = setup(undefined, true);
  early.target.failing.add('etcd-snapshot');
  await t.rejects(early.fault.inject({ target: early.target }));
  t.match(await early.fault.heal({ target: early.target }), /snapshot kept .* at no host$/);
});

t.test('the etcd-restore scenario hands --keep-snapshot to its fault', async (t) => {
  const target = new FakeTarget(fakeTopology(), healthyHosts());
  const ctx = (keepSnapshot?: boolean) =>
    ({
      target,
      options: keepSnapshot ? { keepSnapshot } : {},
      runId: 'r1',
      sink: new TimelineRecorder().sink('etcd-restore'),
    }) as unknown as ScenarioContext;
  const kinds = async (c: ScenarioContext) =>
    (await etcdRestore.fault(c))
      .plan(target)
      .flatMap((s) => (s.argv[0]?.endsWith('etcd-snapshot') && s.step === 'heal' ? [s.argv[0]] : []));
  t.same(await kinds(ctx(true)), ['keep-etcd-snapshot', 'keep-etcd-snapshot', 'keep-etcd-snapshot']);
  t.same(await kinds(ctx()), ['remove-etcd-snapshot', 'remove-etcd-snapshot', 'remove-etcd-snapshot']);
});

t.test('a snapshot that fails destroys nothing', async (t) => {
  const { target, rec, fault } = setup();
  target.failing.add('etcd-snapshot');
  await t.rejects(fault.inject({ target }), /taking the snapshot/);
  t.same(target.log, ['etcd-snapshot cp2']);
  t.notOk(rec.events().some((e) => e.type === 'snapshot.done'));
  t.equal(await fault.heal({ target }), 'etcd and every apiserver running');
});

t.test('the plan lists the procedure for --dry-run', async (t) => {
  const { target, fault } = setup();
  const plan = fault.plan(target);
  t.equal(plan[0]?.argv[0], 'etcd-snapshot');
  t.ok(plan.some((s) => s.step === 'prove' && s.argv[0] === 'etcd-data-state'));
  t.equal(plan.filter((s) => s.step === 'inject' && s.argv[0] === 'restore-etcd').length, 3);
  t.equal(plan.filter((s) => s.step === 'heal' && s.argv[0] === 'restore-etcd').length, 3);
  t.same(target.log, [], 'planning runs nothing');
});

t.test('the journaled heal steps alone bring a half-restored cluster back (drill recover)', async (t) => {
  const { target, fault } = setup();
  target.failing.add('restore-etcd');
  await t.rejects(fault.inject({ target }));
  target.failing.delete('restore-etcd');
  const heal = fault.plan(target).filter((s) => s.step === 'heal');
  for (const s of heal) {
    const res = await target.executor.exec(s.host, s.argv);
    t.equal(res.code, 0, `${s.argv[0]} on ${s.host}`);
  }
  for (const h of CPS) t.ok(target.hosts.running.has(`${h}/etcd`) && target.hosts.data.has(h), `${h} back`);
  for (const s of heal)
    t.equal((await target.executor.exec(s.host, s.argv)).code, 0, 'replaying again is harmless');
});

t.test('declares the outage it causes, so the blast-radius interlocks let it run', async (t) => {
  const { target, fault } = setup();
  t.equal(fault.declaresOutage, true);
  t.same(interlockViolations(fault, target.topology), []);
  t.equal(fault.impact?.filter((i) => i.kind === 'etcd-member').length, 3);
});

t.test("a failed snapshot read never puts the snapshot's bytes into the error", async (t) => {
  const { target, fault } = setup();
  // The read prints (part of) the snapshot, then fails with nothing on stderr.
  const secret = `${'U0VDUkVU'.repeat(200)}c2VjcmV0LWRhdGE=`;
  const leaky = aroundExec(target, async (run, kind) => {
    const r = await run();
    return kind === 'read-etcd-snapshot' ? { ...r, code: 1, stdout: secret, stderr: '' } : r;
  });
  const err = (await fault.inject({ target: leaky }).catch((e: unknown) => e)) as Error & {
    result?: { stdout: string };
  };
  t.match(
    err.message,
    /reading the snapshot on cp2 exited 1: \(its output, \d+ characters of data, is not shown\)/,
  );
  t.notMatch(err.message, /c2VjcmV0LWRhdGE=|U0VDUkVU/, 'no snapshot bytes in the message');
  t.equal(err.result?.stdout, '', 'nor in the result it carries');
});

t.test("effect time: the disaster's first stop, not the snapshot; none without proof", async (t) => {
  const { target, rec, fault } = setup();
  const nowMs = () => rec.clock.nowMs();
  // Every command takes a few ms; each stop's span as the executor saw it.
  const stops: { what: string; from: number; to: number }[] = [];
  const timed = aroundExec(target, async (run, _kind, a) => {
    const from = nowMs();
    await sleep(3);
    const r = await run();
    if (a.kind === 'stop') stops.push({ what: `${a.component} ${a.host}`, from, to: nowMs() });
    return r;
  });
  const out = await fault.inject({ target: timed, nowMs });
  t.match(out, {
    effect: true,
    effectAt: {
      how: /^the disaster's first stop: SIGTERM sent to kube-apiserver on cp\d by its stop command, \d+ ms round trip \(midpoint\)/,
    },
  });
  const at = out.effect ? out.effectAt!.atMs : Number.NaN;
  const snapshotDone = rec.events().find((e) => e.type === 'snapshot.done')!.atMs;
  t.ok(at > snapshotDone, 'after the snapshot and its copies, not at the inject');
  const first = [...stops].sort((x, y) => x.from - y.from)[0]!;
  t.match(first.what, /^kube-apiserver cp\d$/, 'the apiservers are stopped first');
  t.ok(at >= first.from - 1 && at <= first.to + 1, `within the first stop (${first.what})`);
  const etcdStops = stops.filter((s) => s.what.startsWith('etcd '));
  t.ok(
    etcdStops.every((s) => s.from > at),
    'before any etcd member is stopped',
  );

  // A wipe that leaves the data: no effect, so no effect time either.
  const { target: t2, rec: rec2, fault: f2 } = setup();
  const keeps = aroundExec(t2, async (run, kind) => {
    const r = await run();
    if (kind === 'wipe-etcd-data') for (const h of CPS) t2.hosts.data.add(h);
    return r;
  });
  const kept = await f2.inject({ target: keeps, nowMs: () => rec2.clock.nowMs() });
  t.match(kept, { effect: false, reason: /still there after wiping it/ });
  t.notOk('effectAt' in kept);
  await f2.heal({ target: t2 });
});
