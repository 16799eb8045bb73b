/**
 * Torture: drills on the real lab, the harness killed with SIGKILL at random points (before,
 * during and after injection), then `drill recover`. Every run must end in steady state with no
 * leftover iptables chain, stopped component, expiry timer or pending journal entry.
 * Bounded: TORTURE_RUNS runs (default 10), seeded (TORTURE_SEED) so a failure can be replayed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { runLocal } from '../../src/executors/local.ts';
import { hostsByRole } from '../../src/lab/config.ts';
import { Supervisor } from '../../src/lab/supervisor.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { KubeAccess } from '../../src/probes/kube.ts';
import { describeProblems, waitSteadyState } from '../../src/probes/steady.ts';
import { HealJournal } from '../../src/safety/journal.ts';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { labForTest } from '../helpers/lab.ts';

const RUNS = Number(process.env.TORTURE_RUNS ?? 10);
let seed = Number(process.env.TORTURE_SEED ?? Date.now() % 100_000);
const random = () => {
  // mulberry32: small, seeded, good enough to spread kill times
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};
t.comment(`torture seed ${seed} (TORTURE_SEED=${seed} replays it), ${RUNS} runs`);

const cfg = await labForTest(t, 'fast');
const target = new LabTarget(cfg);
const kube = new KubeAccess(target.topology.kubeconfigPath);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-torture-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
// Drills, recover and this test share one journal (child processes inherit the environment).
process.env.HADRILL_JOURNAL = path.join(tmp, 'journal.jsonl');
const env = { ...process.env };
const journal = new HealJournal(env.HADRILL_JOURNAL);
const scenarios = ['apiserver-kill', ...(SCENARIO_CATALOGUE.has('etcd-partition') ? ['etcd-partition'] : [])];

async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  for (const h of hostsByRole(cfg, 'control-plane')) {
    const r = await target.executor.exec(h.name, ['sh', '-c', 'iptables -w 5 -S | grep -c HADRILL || true']);
    if (Number(r.stdout.trim()) > 0) found.push(`iptables chain left on ${h.name}`);
  }
  for (const c of new Supervisor(cfg.stateDir).components()) {
    if (c.state.state !== 'running') found.push(`${c.name} on ${c.host} stopped`);
  }
  const timers = await runLocal(['sh', '-c', "pgrep -f 'hadrill-expir[e]-' || true"]);
  if (timers.stdout.trim()) found.push(`expiry timer(s) left: ${timers.stdout.trim().replaceAll('\n', ',')}`);
  for (const e of journal.pending()) found.push(`journal entry pending: ${e.summary}`);
  return found;
}

const outcomes = { killedBeforeInject: 0, killedWithFaultPending: 0, killedAfterHeal: 0, recovered: 0 };

for (let i = 1; i <= RUNS; i++) {
  t.test(`run ${i}`, async (t) => {
    const scenario = scenarios[i % scenarios.length]!;
    // Stratified over 2-22 s so the runs cover before, during and after injection (a fast
    // apiserver-kill drill injects at ~6-9 s and has healed by ~15-18 s), jittered by the seed.
    const killAfterMs = Math.round(2000 + ((i - 1 + random()) * 20_000) / RUNS);
    const before = journal.entries().length;
    const child = spawnCli('drill', [scenario, '--report-dir', path.join(tmp, 'reports')], {
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const code = await exited;
    clearTimeout(timer);
    const entries = journal.entries().slice(before);
    const pending = journal.pending().length;
    if (entries.length === 0) outcomes.killedBeforeInject += 1;
    else if (pending > 0) outcomes.killedWithFaultPending += 1;
    else outcomes.killedAfterHeal += 1;
    t.comment(
      `${scenario} killed after ${killAfterMs} ms (exit ${code}); journal: ${entries.length} new, ${pending} pending`,
    );
    const rec = await runCli('drill', ['recover'], { timeoutMs: 180_000 });
    t.equal(rec.code, 0, `recover: ${rec.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    if (pending > 0) outcomes.recovered += 1;
    const steady = await waitSteadyState(target, kube, 90_000);
    t.ok(steady.ok, `steady state after recover: ${describeProblems(steady) || 'ok'}`);
    t.same(await leftovers(), [], 'nothing left behind');
  });
}

t.test('counts', async (t) => {
  t.comment(JSON.stringify(outcomes));
  t.equal(
    outcomes.killedBeforeInject + outcomes.killedWithFaultPending + outcomes.killedAfterHeal,
    RUNS,
    'every run accounted for',
  );
  t.ok(outcomes.killedWithFaultPending >= 1, 'at least one run was killed with its fault in place');
  t.ok(outcomes.killedBeforeInject >= 1, 'at least one run was killed before injecting');
});
