/**
 * Torture: drills on the real lab, the harness killed with SIGKILL at seeded random points in
 * three designed strata — before injection, with the fault in place, after the heal — then
 * `drill recover`. Kill points are placed by watching the heal journal (before it has an entry;
 * a moment after the entry appears; a moment after it is marked healed), then each run is
 * classified from evidence gathered after the kill: the journal, the lab itself (stopped
 * component, iptables chain, expiry timer), the report directory and what `recover` says. Per run
 * the safety rules must hold (a fault in place is always journaled; a healed entry leaves nothing
 * in place; recover replays exactly the pending entries; steady state and nothing left behind
 * afterwards), and over all runs each stratum must have been reached.
 * Bounded: TORTURE_RUNS runs (default 6, at least 3), seeded (TORTURE_SEED) so a failure can be
 * replayed. Run i drills SCENARIOS[i mod 2] killed in STRATA[(i − 1) mod 3]: the default 6 runs are
 * each scenario in each stratum once (2 and 3 are coprime); more runs repeat pairs at other
 * seeded kill points.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { runLocal } from '../../src/executors/local.ts';
import { hostsByRole } from '../../src/lab/config.ts';
import { componentPids } from '../../src/lab/control.ts';
import { allStaticPodStates } from '../../src/lab/static-pods.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { KubeAccess } from '../../src/probes/kube.ts';
import { describeProblems, waitSteadyState } from '../../src/probes/steady.ts';
import { HealJournal, type JournalEntry } from '../../src/safety/journal.ts';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { labForTest } from '../helpers/lab.ts';
import {
  classify,
  type Evidence,
  expectedRecoverLine,
  missingStrata,
  type Observed,
  STRATA,
  type Stratum,
  violations,
} from './torture-rules.ts';

const RUNS = Number(process.env.TORTURE_RUNS ?? 6);
if (!Number.isInteger(RUNS) || RUNS < STRATA.length)
  throw new Error(`TORTURE_RUNS=${process.env.TORTURE_RUNS}: need a whole number ≥ 3, one run per stratum`);
let seed = Number(process.env.TORTURE_SEED ?? Date.now() % 100_000);
t.comment(`torture seed ${seed} (TORTURE_SEED=${seed} replays it), ${RUNS} runs`);
const random = () => {
  // mulberry32: small, seeded, good enough to spread kill times
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};

const SCENARIOS = ['apiserver-kill', 'etcd-partition'] as const;
for (const s of SCENARIOS) {
  if (!SCENARIO_CATALOGUE.has(s)) throw new Error(`torture drills ${s}, which the catalogue no longer has`);
}

const cfg = await labForTest(t, 'fast');
const target = new LabTarget(cfg);
const kube = new KubeAccess(target.topology.kubeconfigPath);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-torture-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
// Drills, recover and this test share one journal (child processes inherit the environment).
process.env.HADRILL_JOURNAL = path.join(tmp, 'journal.jsonl');
const env = { ...process.env };
const journal = new HealJournal(env.HADRILL_JOURNAL);
const REPORTS = path.join(tmp, 'reports');

/** Faults visible on the lab itself: iptables chains, stopped components, expiry timers. */
async function faultsInPlace(): Promise<string[]> {
  const found: string[] = [];
  for (const h of hostsByRole(cfg, 'control-plane')) {
    const r = await target.executor.exec(h.name, ['sh', '-c', 'iptables -w 5 -S | grep -c HADRILL || true']);
    if (Number(r.stdout.trim()) > 0) found.push(`iptables chain left on ${h.name}`);
  }
  // A parked manifest or a stopped service is a fault left in place. A static pod whose manifest
  // is live is its kubelet's: one that exited by itself (a controller-manager that lost its Lease
  // during a partition exits, as upstream) comes back after the crash back-off, so it is a
  // fault left only when it is still down after the longest back-off of the preset. One whose
  // manifest is parked is a fault already and cannot come back: no wait for it.
  const parked = new Set<string>();
  for (const [host, pods] of allStaticPodStates(cfg))
    for (const p of pods)
      if (p.manifest !== 'live') {
        found.push(`${host}/${p.name} manifest ${p.manifest}`);
        parked.add(`${host}/${p.name}`);
      }
  const backoffS = cfg.timings.kubelet.crashBackoffMaxS + 3;
  let stopped: string[] = [];
  for (let waited = 0; ; waited += 0.5) {
    stopped = [...componentPids(cfg)]
      .filter(([c, pid]) => pid === undefined && !parked.has(c))
      .map(([c]) => c);
    if (stopped.length === 0 || waited >= backoffS) break;
    await sleep(500);
  }
  found.push(...stopped.map((c) => `${c} stopped (still after ${backoffS} s)`));
  const timers = await runLocal(['sh', '-c', "pgrep -f 'hadrill-expir[e]-' || true"]);
  if (timers.stdout.trim()) found.push(`expiry timer(s) left: ${timers.stdout.trim().replaceAll('\n', ',')}`);
  return found;
}

/** report.json files under the report directory. */
const reportFiles = (): string[] =>
  fs.existsSync(REPORTS)
    ? fs
        .readdirSync(REPORTS)
        .map((d) => path.join(REPORTS, d, 'report.json'))
        .filter((f) => fs.existsSync(f))
    : [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `ready(newEntries)` or the child exits (then false); at most 3 minutes, after which
 * the kill happens anyway and the classification shows where the drill really was.
 */
async function journalReaches(
  since: number,
  ready: (entries: JournalEntry[]) => boolean,
  exited: () => boolean,
): Promise<boolean> {
  const until = Date.now() + 180_000;
  while (Date.now() < until && !exited()) {
    if (ready(journal.entries().slice(since))) return true;
    await sleep(50);
  }
  return false;
}

/** Kill the drill at a seeded random point of its designed stratum; ms after spawn. */
async function killIn(
  stratum: Stratum,
  child: ChildProcess,
  since: number,
  exited: () => boolean,
): Promise<number> {
  const spawnedAt = Date.now();
  if (stratum === 'before-inject') {
    // Start-up, preflight and a fixed 3 s baseline (--baseline 3s below) come first: 0.3-3.5 s is
    // before the injection (the launcher starts the drill faster than tsx did).
    await sleep(300 + random() * 3200);
  } else if (stratum === 'fault-in-place') {
    // The entry is written right before the injection; the fault then lasts for seconds.
    await journalReaches(since, (e) => e.some((x) => x.state === 'pending'), exited);
    await sleep(200 + random() * 1300);
  } else {
    await journalReaches(since, (e) => e.length > 0 && e.every((x) => x.state === 'done'), exited);
    await sleep(random() * 1500);
  }
  child.kill('SIGKILL');
  return Date.now() - spawnedAt;
}

const observed: Observed[] = [];

for (let i = 1; i <= RUNS; i++) {
  const scenario = SCENARIOS[i % SCENARIOS.length]!;
  const design = STRATA[(i - 1) % STRATA.length]!;
  t.test(`run ${i}: ${scenario}, killed ${design}`, async (t) => {
    t.same(await faultsInPlace(), [], 'the lab starts clean');
    const since = journal.entries().length;
    const reportsBefore = new Set(reportFiles());
    const child = spawnCli('drill', [scenario, '--report-dir', REPORTS, '--baseline', '3s'], {
      env,
      stdio: 'ignore',
    });
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exited = new Promise<void>((r) =>
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        r();
      }),
    );
    const killedAtMs = await killIn(design, child, since, () => exit !== undefined);
    await exited;

    // Evidence, gathered before anything is repaired.
    const entries = journal.entries().slice(since);
    const pending = entries.filter((e) => e.state === 'pending').length;
    const evidence: Evidence = {
      killed: exit?.signal === 'SIGKILL',
      journal: entries.map((e) => e.state),
      inPlace: await faultsInPlace(),
      reports: reportFiles()
        .filter((f) => !reportsBefore.has(f))
        .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')))
        .map((d) => ({ scenario: d.meta?.scenario, heal: d.fault?.heal?.status, why: d.verdictMessage })),
      scenario,
    };
    const seen = classify(evidence);
    observed.push(seen);
    t.comment(
      `kill at ${killedAtMs} ms (${exit?.signal ?? `exit ${exit?.code}`}): ${seen}; journal: ${evidence.journal.join(',') || 'none'}; on the lab: ${evidence.inPlace.join('; ') || 'nothing'}; ${evidence.reports.length} report(s)${evidence.reports.map((r) => ` (${r.why ?? 'no message'})`).join('')}`,
    );
    t.same(violations(evidence), [], 'the evidence breaks no safety rule');

    const rec = await runCli('drill', ['recover'], { timeoutMs: 180_000 });
    const said = `${rec.stdout}${rec.stderr}`;
    t.equal(rec.code, 0, `recover: ${said.trim().split('\n').slice(-3).join(' | ')}`);
    t.match(said, expectedRecoverLine(pending), 'recover replays exactly what the journal left pending');
    const steady = await waitSteadyState(target, kube, 90_000, { expect: await target.timings() });
    t.ok(steady.ok, `steady state after recover: ${describeProblems(steady) || 'ok'}`);
    t.same(await faultsInPlace(), [], 'nothing left on the lab');
    t.same(journal.pending(), [], 'nothing left pending in the journal');
  });
}

t.test('the kill points covered every stratum', async (t) => {
  t.comment(`observed: ${observed.join(', ')}`);
  t.same(
    missingStrata(observed),
    [],
    'a drill was killed in each of: before-inject, fault-in-place, after-heal',
  );
});
