/**
 * What a run takes and gives: the options of `runScenario` (src/runner/run.ts), the cluster-facing
 * side effects it goes through (`RunnerOps`, injectable so tests run it without a cluster, and the
 * real ones), and its outcome.
 */

import type { analyze } from '../analysis/analyze.ts';
import type { PreviousRun } from '../analysis/history.ts';
import type { RepetitionStat } from '../analysis/stats.ts';
import type { Finding, Measurement, SustainedRule } from '../analysis/types.ts';
import type { Fault } from '../faults/types.ts';
import type { RunResult } from '../model/result.ts';
import type { PromqlSlo } from '../monitoring/promql.ts';
import type { K6Script } from '../probes/k6.ts';
import type { KubeAccess } from '../probes/kube.ts';
import { checkSteadyState, type SteadyExpect, type SteadyState, waitSteadyState } from '../probes/steady.ts';
import { cleanupWrites, ensureDrillNamespace, readBack } from '../probes/writes.ts';
import type { SloSet } from '../slo/types.ts';
import type { Target } from '../targets/types.ts';
import type { TimelineRecorder } from '../timeline/recorder.ts';
import { sleep } from '../util/time.ts';
import type { BaselineRule } from './baseline.ts';
import type { MonitoringRun } from './detection.ts';
import { inspectTarget } from './inspect.ts';
import type { Scenario, ScenarioOptions } from './scenario.ts';

export type LoadRequest =
  | { readonly kind: 'builtin'; readonly ratePerS: number }
  | { readonly kind: 'k6'; readonly script: K6Script };

/** The runner's cluster-facing side effects, injectable so tests can run it without a cluster. */
export interface RunnerOps {
  checkSteady(target: Target, kube: KubeAccess, expect?: SteadyExpect): Promise<SteadyState>;
  /** Until steady state holds or `timeoutMs`; `notYet` hears each check that failed. */
  waitSteady(
    target: Target,
    kube: KubeAccess,
    timeoutMs: number,
    notYet?: (s: SteadyState) => void,
    expect?: SteadyExpect,
  ): Promise<SteadyState>;
  prepare(target: Target, kube: KubeAccess): Promise<void>;
  readBack(target: Target, kube: KubeAccess, runId: string, recorder: TimelineRecorder): Promise<void>;
  cleanup(target: Target, kube: KubeAccess, runId: string): Promise<void>;
  /** Read-only inspection beside the preflight (certificate expiry): findings. */
  inspect?(target: Target): Promise<Finding[]>;
}

export const REAL_OPS: RunnerOps = {
  checkSteady: checkSteadyState,
  inspect: (t) => inspectTarget(t),
  waitSteady: (t, k, ms, notYet, expect) => waitSteadyState(t, k, ms, { notYet, expect }),
  prepare: (t, k) => ensureDrillNamespace(k, t.topology.apiUrl),
  async readBack(t, k, runId, recorder) {
    // The API may still be settling right after a heal: try a few times before giving up on RPO.
    for (let attempt = 1; ; attempt++) {
      try {
        await readBack(k, t.topology.apiUrl, runId, recorder.events(), recorder.sink('runner'));
        return;
      } catch (err) {
        if (attempt >= 4) throw err;
        await sleep(1000 * attempt);
      }
    }
  },
  cleanup: (t, k, runId) => cleanupWrites(k, t.topology.apiUrl, runId),
};

export interface RunOptions {
  readonly ops?: RunnerOps;
  readonly scenario: Scenario;
  readonly target: Target;
  readonly kube: KubeAccess;
  readonly slos: SloSet;
  readonly options?: ScenarioOptions;
  /** The sustained-success rule (config `sustainedSuccessS`): observation and analysis both use it. */
  readonly sustained?: SustainedRule;
  readonly recorder?: TimelineRecorder;
  /** Aborts observation (SIGINT/SIGTERM): the runner heals, verifies and reports `aborted`. */
  readonly signal?: AbortSignal;
  /** How long probes run before the fault (src/runner/baseline.ts; default: until every probe reported). */
  readonly baseline?: BaselineRule;
  /**
   * After recovery, keep observing at least this long (so the report shows the tail); the heal and
   * the verify count toward it, since the probes keep recording through both.
   */
  readonly tailMs?: number;
  /** Time allowed for steady state after heal. */
  readonly verifyTimeoutMs?: number;
  readonly harnessVersion?: string;
  /** This run's place in a `--repeat N` series, and the series' statistics (given on the last run). */
  readonly repeat?: { readonly index: number; readonly of: number };
  readonly repetition?: (measurements: readonly Measurement[]) => readonly RepetitionStat[];
  /** Earlier runs of this scenario on this target, for the history comparison. */
  readonly previous?: readonly PreviousRun[];
  readonly preset?: string;
  /** Called right after the fault is invoked and after it is healed (the heal journal hooks in here). */
  readonly onInjecting?: (fault: Fault) => Promise<void> | void;
  /** Background load through the LB during the drill: the built-in generator, or k6. */
  readonly load?: LoadRequest;
  /** Inject even past the blast-radius interlocks (quorum, every apiserver, the only LB): --allow-unsafe named this scenario. */
  readonly allowUnsafe?: boolean;
  readonly onHealed?: (fault: Fault) => Promise<void> | void;
  /**
   * The monitoring stack the drill watches for alerts (src/runner/detection.ts): read in
   * preflight, polled by the detection probe; `holdUntilDetected` keeps the fault in place.
   */
  readonly monitoring?: MonitoringRun;
  /** The drill config's PromQL SLOs for this scenario, checked over the fault window (needs monitoring). */
  readonly promql?: readonly PromqlSlo[];
  /** The analysis (src/analysis/analyze.ts by default); injectable so tests can count its runs. */
  readonly analyze?: typeof analyze;
}

export interface RunOutcome {
  readonly result: RunResult;
  readonly preflight: SteadyState;
  readonly verify?: SteadyState;
  readonly healed: boolean;
}
