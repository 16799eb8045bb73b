/**
 * The `all` suite: every scenario of the catalogue in order, one after the other on the same
 * target. Before each scenario after the first, the suite waits for steady state (the previous
 * heal may still be settling: a restarted kubelet re-registering, a lease changing hands); the
 * scenario's own preflight then checks it again and refuses to inject if it does not hold. A
 * scenario that cannot start (it throws before injecting: bad options, no standby to fail over
 * to) is skipped with its reason. A scenario whose fault could not be healed stops the suite (no
 * new fault on a broken cluster), as does an abort. Returns one SuiteResult (src/model) with
 * every run, plus what was skipped.
 */
import type { PreviousRun } from '../analysis/history.ts';
import { buildSuiteResult } from '../model/build.ts';
import type { RunResult, SuiteResult } from '../model/result.ts';
import type { KubeAccess } from '../probes/kube.ts';
import { describeProblems, type SteadyExpect, type SteadyState, waitSteadyState } from '../probes/steady.ts';
import type { ScenarioName, SloSet } from '../slo/types.ts';
import type { Target } from '../targets/types.ts';
import { TimelineRecorder } from '../timeline/recorder.ts';
import type { RunOptions, RunOutcome } from './options.ts';
import { runScenario } from './run.ts';
import type { Scenario, ScenarioOptions } from './scenario.ts';

export interface SuiteOptions {
  /** The scenarios, in order (the CLI passes the catalogue's). */
  readonly scenarios: readonly Scenario[];
  readonly target: Target;
  readonly kube: KubeAccess;
  /** Resolved SLOs of each scenario (defaults ← config ← flags). */
  readonly slosFor: (name: ScenarioName) => SloSet;
  /** Options of each scenario (`--signal`, `--toleration-seconds`, ...). */
  readonly optionsFor?: (name: ScenarioName) => ScenarioOptions;
  readonly previousFor?: (name: ScenarioName) => Promise<readonly PreviousRun[]>;
  /** A recorder per scenario, e.g. one the live view is attached to. */
  readonly recorderFor?: (name: ScenarioName) => TimelineRecorder;
  readonly signal?: AbortSignal;
  readonly preset?: string;
  readonly harnessVersion?: string;
  readonly name?: string;
  /** Wait for steady state before each scenario after the first, at most this long (default 180 s). */
  readonly steadyTimeoutMs?: number;
  readonly onRunStart?: (scenario: Scenario, index: number, of: number) => void | Promise<void>;
  readonly onRunEnd?: (result: RunResult, index: number, of: number) => void | Promise<void>;
  /** Extra run options per scenario (heal-journal hooks, interlock override, background load). */
  readonly runExtras?: (scenario: Scenario) => Partial<RunOptions>;
  /** Injectable for tests; the real runner and steady-state wait by default. */
  readonly run?: (o: RunOptions) => Promise<RunOutcome>;
  readonly waitSteady?: (target: Target, kube: KubeAccess, timeoutMs: number) => Promise<SteadyState>;
}

export interface SkippedScenario {
  readonly scenario: ScenarioName;
  readonly reason: string;
}

export interface SuiteOutcome {
  readonly result: SuiteResult;
  readonly outcomes: readonly RunOutcome[];
  readonly skipped: readonly SkippedScenario[];
  /** Steady state as found before each scenario after the first. */
  readonly between: readonly { readonly before: ScenarioName; readonly state: SteadyState }[];
  /** False when a fault could not be healed (the target needs attention). */
  readonly healed: boolean;
}

export async function runSuite(o: SuiteOptions): Promise<SuiteOutcome> {
  const run = o.run ?? runScenario;
  // The target's timings, read once, for what steady state expects (src/probes/leader-leases.ts).
  let timings: Promise<SteadyExpect> | undefined;
  const timingsOf = (t: Target): Promise<SteadyExpect> => {
    timings ??= t.timings().catch(() => ({}));
    return timings;
  };
  const waitSteady =
    o.waitSteady ??
    (async (t: Target, k: KubeAccess, ms: number) =>
      waitSteadyState(t, k, ms, { signal: o.signal, expect: await timingsOf(t) }));
  const startedAt = new Date().toISOString();
  const outcomes: RunOutcome[] = [];
  const skipped: SkippedScenario[] = [];
  const between: { before: ScenarioName; state: SteadyState }[] = [];
  let stop: string | undefined;
  const of = o.scenarios.length;
  const runOne = async (scenario: Scenario): Promise<RunOutcome> =>
    run({
      ...o.runExtras?.(scenario),
      scenario,
      target: o.target,
      kube: o.kube,
      slos: o.slosFor(scenario.name),
      options: o.optionsFor?.(scenario.name) ?? {},
      recorder: o.recorderFor?.(scenario.name) ?? new TimelineRecorder(),
      signal: o.signal,
      preset: o.preset,
      harnessVersion: o.harnessVersion,
      previous: await o.previousFor?.(scenario.name),
    });
  for (const [i, scenario] of o.scenarios.entries()) {
    if (!stop && o.signal?.aborted) stop = `suite aborted by ${String(o.signal.reason ?? 'a signal')}`;
    if (stop) {
      skipped.push({ scenario: scenario.name, reason: stop });
      continue;
    }
    if (i > 0) {
      // Not steady in time: the scenario's own preflight records why and injects nothing.
      const state = await waitSteady(o.target, o.kube, o.steadyTimeoutMs ?? 180_000);
      between.push({ before: scenario.name, state });
    }
    await o.onRunStart?.(scenario, i, of);
    let outcome: RunOutcome;
    try {
      outcome = await runOne(scenario);
    } catch (err) {
      // The scenario could not start (bad options, no standby to fail over to, target gone):
      // nothing was injected by it; record why and go on with the next one.
      skipped.push({ scenario: scenario.name, reason: err instanceof Error ? err.message : String(err) });
      continue;
    }
    outcomes.push(outcome);
    await o.onRunEnd?.(outcome.result, i, of);
    if (!outcome.healed) stop = `${scenario.name} could not heal its fault: the target needs attention`;
    else if (outcome.result.verdict === 'aborted') stop = `suite aborted during ${scenario.name}`;
  }
  const result = buildSuiteResult(
    {
      name: o.name ?? 'all',
      target: o.target.topology.name,
      ...(o.preset ? { preset: o.preset } : {}),
      startedAt,
      finishedAt: new Date().toISOString(),
      harnessVersion: o.harnessVersion ?? '0.0.0',
    },
    outcomes.map((x) => x.result),
  );
  return { result, outcomes, skipped, between, healed: outcomes.every((x) => x.healed) };
}

/** One line per scenario-boundary problem, for the CLI to print. */
export function describeBetween(s: SuiteOutcome): string[] {
  return s.between
    .filter((b) => !b.state.ok)
    .map((b) => `before ${b.before}: steady state did not hold: ${describeProblems(b.state)}`);
}
