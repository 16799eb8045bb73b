/**
 * Running one scenario for real on a lab brought up by the test file, the way the CLI does
 * (default SLOs, the lab target, the admin kubeconfig), and reading its measurements by name.
 */
import type { Test } from 'tap';
import type { Measurement } from '../../src/analysis/types.ts';
import type { LabConfig } from '../../src/lab/config.ts';
import { labKubeconfigPath } from '../../src/lab/config.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { KubeAccess } from '../../src/probes/kube.ts';
import { waitSteadyState } from '../../src/probes/steady.ts';
import { reportDirFor, writeReports } from '../../src/reporters/write.ts';
import type { RunOutcome } from '../../src/runner/options.ts';
import { runScenario } from '../../src/runner/run.ts';
import type { Scenario, ScenarioOptions } from '../../src/runner/scenario.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import { eventsOf } from '../../src/timeline/events.ts';

export interface Drill {
  readonly outcome: RunOutcome;
  readonly m: Readonly<Record<string, Measurement>>;
  readonly target: LabTarget;
  readonly kube: KubeAccess;
}

export async function drill(
  t: Test,
  cfg: LabConfig,
  scenario: Scenario,
  options: ScenarioOptions = {},
  run: { readonly allowUnsafe?: boolean } = {},
): Promise<Drill> {
  const target = new LabTarget(cfg);
  const kube = new KubeAccess(labKubeconfigPath(cfg));
  t.teardown(() => target.close());
  // As the suite does between scenarios: let the previous drill's aftermath settle (a leader
  // Lease changing hands after its holder lost its apiserver), so preflight sees steady state.
  const settleFrom = performance.now();
  await waitSteadyState(target, kube, 60_000, { expect: await target.timings() });
  t.comment(`steady state before the drill after ${((performance.now() - settleFrom) / 1000).toFixed(1)} s`);
  // The lab's monitoring, holding each fault until its expected alerts fired (or their windows
  // passed), so detection is measured on every scenario, not left to how long a fault lasted.
  const stack = target.monitoring(500);
  const outcome = await runScenario({
    scenario,
    target,
    kube,
    slos: resolveSlos({ scenario }),
    options,
    preset: cfg.preset,
    ...run,
    ...(stack ? { monitoring: { stack, holdUntilDetected: true } } : {}),
  });
  const r = outcome.result;
  // DRILL_REPORT_DIR=dir keeps the full reports of test drills for inspection.
  if (process.env.DRILL_REPORT_DIR) {
    const files = await writeReports(reportDirFor(process.env.DRILL_REPORT_DIR, r), r);
    t.comment(`reports in ${files.dir}`);
  }
  t.comment(`${scenario.name} ${JSON.stringify(options)}: ${r.verdict} — ${r.verdictMessage}`);
  for (const m of r.measurements) {
    const w = m.expected ? ` expected [${m.expected.min}, ${m.expected.max}]` : '';
    t.comment(`  ${m.name} = ${m.lowerBound ? '≥ ' : ''}${m.value} ${m.unit}${w} ${m.verdict}: ${m.detail}`);
  }
  for (const a of r.alerts ?? []) t.comment(`  alert ${a.alert} (${a.role}) ${a.verdict}: ${a.message}`);
  for (const f of r.findings) t.comment(`  finding ${f.id}: ${f.message}`);
  for (const e of r.timeline.filter((e) => e.type === 'error'))
    t.comment(`  error (${e.source}): ${'message' in e ? e.message : ''}`);
  return { outcome, m: Object.fromEntries(r.measurements.map((x) => [x.name, x])), target, kube };
}

/** Asserts a measured timing lies inside its expected window widened by `slackS` on each side. */
export function inWindow(t: Test, m: Measurement | undefined, slackS: number, what?: string): void {
  const name = what ?? m?.name ?? 'measurement';
  if (!m || m.value === null || !m.expected) {
    t.fail(`${name}: no value or no expected window (${m?.detail ?? 'missing'})`);
    return;
  }
  t.notOk(m.lowerBound, `${name} observed (not a lower bound)`);
  t.ok(
    m.value >= m.expected.min - slackS && m.value <= m.expected.max + slackS,
    `${name} = ${m.value} s within [${m.expected.min} − ${slackS}, ${m.expected.max} + ${slackS}] (${m.expected.formula})`,
  );
}

/**
 * Detection on the lab: every expected alert fired, was notified and resolved inside its windows
 * (its verdict), and no alert failed the run (an unexpected critical one).
 */
export function detected(t: Test, d: Drill): void {
  const alerts = d.outcome.result.alerts ?? [];
  const expected = alerts.filter((a) => a.role === 'expected');
  t.ok(expected.length > 0, 'the scenario expects alerts');
  for (const a of alerts) t.equal(a.verdict, 'pass', `alert ${a.alert} (${a.role}): ${a.message}`);
  for (const x of expected) {
    for (const kind of ['detect', 'notify', 'resolve']) {
      const m = d.m[`${kind}_${x.alert}_s`];
      t.ok(m && m.value !== null, `${kind}_${x.alert}_s measured (${m?.detail ?? 'missing'})`);
    }
  }
}

/**
 * A degradation drill (etcd-disk-latency, network-degrade): the fault held for `degradedMs` from
 * its effect before the heal, and after the heal the typical write is faster than `delayMs` again:
 * the median of the drill's own probe writes sent once the heal was done and of five writes this
 * test makes through the LB right after the drill. (Writes only acknowledged after the heal carry
 * the fault's latency: a suite run on 2026-12-03 failed on 104, 245 and 250 ms, the three writes
 * acknowledged in the 0.6 s between network-degrade's heal and the end of its probes.)
 */
export async function degradedThenFast(
  t: Test,
  d: Drill,
  degradedMs: number,
  delayMs: number,
): Promise<void> {
  const r = d.outcome.result;
  const effect =
    eventsOf(r.timeline, 'fault.effect')[0]?.atMs ?? eventsOf(r.timeline, 'fault.invoke')[0]!.atMs;
  const heal = eventsOf(r.timeline, 'heal.invoke')[0]!.atMs;
  t.ok(heal - effect >= degradedMs, `degraded for ${((heal - effect) / 1000).toFixed(1)} s`);
  const healed = eventsOf(r.timeline, 'heal.done')[0]!.atMs;
  const probe = eventsOf(r.timeline, 'write.ack')
    .filter((w) => w.atMs - (w.latencyMs ?? 0) >= healed)
    .map((w) => w.latencyMs ?? 0);
  const own: number[] = [];
  const cms = `${d.target.topology.apiUrl}/api/v1/namespaces/default/configmaps`;
  for (let i = 0; i < 5; i++) {
    const name = `hadrill-after-heal-${i}`;
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } };
    const w = await d.kube.request('POST', cms, { timeoutMs: 5000, body });
    t.ok(w.ok, `write ${i} through the LB after the heal: ${w.status ?? w.error}`);
    own.push(Math.round(w.latencyMs));
    await d.kube.request('DELETE', `${cms}/${name}`, { timeoutMs: 5000 });
  }
  const sorted = [...probe, ...own].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  t.ok(
    median < delayMs,
    `the median write after the heal took ${median} ms (< the ${delayMs} ms delay): probe ${probe.join(', ') || 'none'}; ours ${own.join(', ')}`,
  );
}
