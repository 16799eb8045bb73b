/**
 * `drill recover` after the harness is killed at any step of etcd-restore: the journal's heal
 * steps, replayed as recover replays them (in order, stopping at the first failure), bring every
 * etcd member and apiserver back; replaying them again changes nothing. The hosts are a model of
 * the kubeadm scripts' contracts, each of which runs for real elsewhere (kubeadm-etcd.etcd.test.ts:
 * restore marks its member and a replay with the same token succeeds, foreign data is refused or,
 * as a heal, kept; wipe refuses while etcd runs; kubeadm-static-pod.test.ts: start of a running
 * component succeeds).
 */
import t from 'tap';
import type { ExecResult, Executor } from '../../src/executors/types.ts';
import { etcdRestoreFault } from '../../src/faults/etcd-restore.ts';
import type { Action, Target } from '../../src/targets/types.ts';
import { TimelineRecorder } from '../../src/timeline/recorder.ts';
import { CPS, fakeTopology } from './fake-target.ts';

const TOKEN = 'tok-1';

class Hosts {
  readonly running = new Set(CPS.flatMap((h) => [`${h}/etcd`, `${h}/kube-apiserver`]));
  /** Whose data each member holds: 'original', or the token of the restore that wrote it. */
  readonly data = new Map<string, string>(CPS.map((h) => [h, 'original']));
  readonly snapshots = new Set<string>();
  /** Mutating calls left before the harness dies (undefined: never). */
  killAfter?: number;

  run(a: Action, host: string): ExecResult {
    const res = (code: number, stdout = ''): ExecResult => ({
      host,
      argv: [a.kind],
      code,
      stdout,
      stderr: '',
      timedOut: false,
      durationMs: 1,
    });
    const readOnly = a.kind === 'running' || a.kind === 'etcd-data-state' || a.kind === 'read-etcd-snapshot';
    if (!readOnly && this.killAfter !== undefined && this.killAfter-- <= 0) throw new Error('harness killed');
    switch (a.kind) {
      case 'running':
        return res(this.running.has(`${a.host}/${a.component}`) ? 0 : 3, '4242\n');
      case 'stop':
        this.running.delete(`${a.host}/${a.component}`);
        return res(0);
      case 'start':
        if (a.component === 'etcd' && !this.data.has(a.host)) return res(1);
        this.running.add(`${a.host}/${a.component}`);
        return res(0);
      case 'etcd-snapshot':
        this.snapshots.add(a.host);
        return res(0, '{"revision":4711}\n');
      case 'read-etcd-snapshot':
        return res(this.snapshots.has(a.host) ? 0 : 1, 'U05BUA==');
      case 'write-etcd-snapshot':
        this.snapshots.add(a.host);
        return res(0);
      case 'remove-etcd-snapshot':
        this.snapshots.delete(a.host);
        return res(0);
      case 'etcd-data-state':
        return res(this.data.has(a.host) ? 0 : 1);
      case 'wipe-etcd-data':
        if (this.running.has(`${a.host}/etcd`)) return res(4);
        this.data.delete(a.host);
        return res(0);
      case 'restore-etcd': {
        const held = this.data.get(a.host);
        if (held !== undefined) return res(held === a.token || a.foreignData === 'keep' ? 0 : 4);
        if (!this.snapshots.has(a.host)) return res(3);
        this.data.set(a.host, a.token);
        return res(0);
      }
      default:
        return res(1);
    }
  }
}

function target(h: Hosts): Target {
  const executor: Executor = {
    kind: 'ssh',
    hosts: () => CPS,
    exec: async (host, argv) => h.run(JSON.parse(argv[0]!) as Action, host),
    close: async () => {},
  };
  return {
    topology: fakeTopology(),
    executor,
    profile: { name: 'model', command: (a) => ({ host: a.host, argv: [JSON.stringify(a)] }) },
    timings: async () => ({}),
    close: async () => {},
  };
}

const fault = () =>
  etcdRestoreFault({
    members: CPS.map((h) => ({ host: h, member: h })),
    apiservers: CPS,
    snapshotFrom: { host: 'cp2', member: 'cp2' },
    token: TOKEN,
    postSnapshotMs: 1,
    sink: new TimelineRecorder().sink('etcd-restore'),
  });

/** What `drill recover` does with a journal entry: each heal step in order, stop at the first failure. */
async function recover(
  tg: Target,
  steps: readonly { host: string; argv: readonly string[] }[],
): Promise<string[]> {
  const failures: string[] = [];
  for (const s of steps) {
    const r = await tg.executor.exec(s.host, s.argv);
    if (r.code !== 0) {
      failures.push(`${s.argv[0]} → ${r.code}`);
      break;
    }
  }
  return failures;
}

t.test('recover after a kill at every step of the injection brings the control plane back', async (t) => {
  // How many mutating calls a whole injection makes.
  const full = new Hosts();
  full.killAfter = 1000;
  await fault().inject({ target: target(full) });
  const calls = 1000 - full.killAfter;
  t.ok(calls > 20, `${calls} steps`);
  const mixed: number[] = [];
  for (let k = 0; k <= calls; k++) {
    const h = new Hosts();
    const tg = target(h);
    const f = fault();
    const heal = f.plan(tg).filter((s) => s.step === 'heal');
    h.killAfter = k;
    await f.inject({ target: tg }).catch(() => undefined);
    h.killAfter = undefined;
    t.same(await recover(tg, heal), [], `killed after ${k} steps: recover succeeds`);
    for (const c of CPS) {
      t.ok(h.running.has(`${c}/etcd`) && h.running.has(`${c}/kube-apiserver`), `k=${k}: ${c} runs`);
    }
    t.same([...h.snapshots], [], `k=${k}: no snapshot copy left on any member`);
    t.same(await recover(tg, heal), [], `k=${k}: a second replay succeeds too`);
    if (new Set(h.data.values()).size > 1) mixed.push(k);
  }
  // Known gap: a kill between two members' wipes leaves original data beside restored members
  // (different cluster IDs). Only those kill points may mix; every other one is consistent.
  const firstWipe = mixed[0] ?? 0;
  t.same(
    mixed,
    mixed.length ? [firstWipe, firstWipe + 1] : [],
    `mixed data only between the wipes: ${mixed}`,
  );
});

t.test("the injection's own restore refuses foreign data; the heal keeps it", async (t) => {
  const h = new Hosts();
  const tg = target(h);
  const plan = fault().plan(tg);
  const restoreSteps = plan.filter((s) => s.argv[0]!.includes('"restore-etcd"'));
  t.equal(restoreSteps.filter((s) => s.step === 'inject' && !s.argv[0]!.includes('foreignData')).length, 3);
  t.equal(
    restoreSteps.filter((s) => s.step === 'heal' && s.argv[0]!.includes('"foreignData":"keep"')).length,
    3,
  );
  h.data.set('cp1', 'tok-0');
  h.running.delete('cp1/etcd');
  const res = await tg.executor.exec('cp1', restoreSteps[0]!.argv);
  t.equal(res.code, 4, 'inject: refused');
});
