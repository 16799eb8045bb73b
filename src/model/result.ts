/**
 * The one read-only result model every reporter renders: a RunResult per scenario run and a
 * SuiteResult for `all`.
 *
 * The folder: `buildRunResult` (build.ts) runs the analysis, derives phases/fault/findings/
 * history, computes the combined verdict, redacts secrets (redact.ts) and freezes the result;
 * fidelity.ts says how far the numbers can be trusted (each timing input with its origin, the
 * inject latency, the fidelity problems); exit.ts turns a result into the CLI's exit code.
 */
import type { AlertOutcome } from '../analysis/detection.ts';
import type { Finding } from '../analysis/findings.ts';
import type { HistoryDelta, RunConfig } from '../analysis/history.ts';
import type { RepetitionStat } from '../analysis/stats.ts';
import type { Measurement, Verdict } from '../analysis/types.ts';
import type { AnyMeasurementName, MeasurementName } from '../slo/types.ts';
import type { TimingKey, TimingOrigin } from '../targets/defaults.ts';
import type { FaultProof, FaultTarget, Phase, TimelineEvent } from '../timeline/events.ts';

/**
 * A run's combined verdict: worst SLO measurement or alert outcome (fail > unknown > pass), or
 * aborted by a signal.
 */
export type RunVerdict = Verdict | 'aborted';

export interface RunMeta {
  readonly scenario: string;
  readonly target: string;
  readonly preset?: string;
  readonly variant?: string;
  /** Wall-clock ISO times. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly harnessVersion: string;
  readonly repeat?: { readonly index: number; readonly of: number };
  readonly params?: Readonly<Record<string, unknown>>;
  /**
   * Preset, timing inputs and scenario options with their fingerprint: history compares only
   * runs with equal fingerprints. Filled by buildRunResult; absent in reports of older versions.
   */
  readonly config?: RunConfig;
}

export interface PhaseRecord {
  readonly phase: Phase;
  readonly startMs: number;
  /** null when the phase never ended (abort, crash). */
  readonly endMs: number | null;
  readonly ok?: boolean;
  readonly message?: string;
}

export type HealSummary =
  | { readonly status: 'not-run' }
  | { readonly status: 'invoked'; readonly atMs: number }
  | { readonly status: 'done'; readonly atMs: number; readonly doneMs: number }
  | { readonly status: 'error'; readonly atMs: number; readonly error: string };

export type FaultSummary =
  | { readonly status: 'none'; readonly heal: HealSummary }
  | {
      readonly status: 'proven' | 'unproven' | 'noeffect';
      readonly fault: string;
      readonly target: FaultTarget;
      readonly injectedAtMs: number;
      /** When it took effect, when later than the invoke (measurements start there). */
      readonly effect?: { readonly atMs: number; readonly how: string };
      readonly proofs: readonly { readonly atMs: number; readonly proof: FaultProof }[];
      readonly reason?: string;
      readonly heal: HealSummary;
    };

export interface LoadSummary {
  readonly kind: 'builtin' | 'k6';
  readonly requests: number;
  readonly failures: number;
  readonly ratePerS?: number;
  readonly p95LatencyMs?: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** One timing input of the run: its value and where it came from. */
export interface TimingRecord {
  readonly input: TimingKey;
  /** null: undefined on this target, and an expected window needs it (see `neededBy`). */
  readonly value: number | string | null;
  /** null: the target recorded no origin for it (or the input is undefined). */
  readonly origin: TimingOrigin | null;
  /** The measurements whose expected window is missing for want of this input. */
  readonly neededBy?: readonly MeasurementName[];
}

export type FidelityProblemKind =
  | 'fault-not-proven'
  | 'measurement-null'
  | 'measurement-lower-bound'
  | 'outside-window'
  | 'timing-undefined';

/** One reason the run's numbers do not show what the cluster's configuration predicts. */
export interface FidelityProblem {
  readonly kind: FidelityProblemKind;
  readonly measurement?: AnyMeasurementName;
  /** A sentence for the reports, e.g. "node_notready_s: no expected window: nodeMonitorPeriodS undefined". */
  readonly message: string;
}

/**
 * How far a run's numbers can be trusted: each timing input the expected windows were computed
 * from, with its origin (read from the cluster, an upstream default and why, the lab preset),
 * the fault's inject latency, and the fidelity problems (`--gate-fidelity` fails on any).
 */
export interface Fidelity {
  /** `lab`: every input is the lab preset's (`where`, e.g. "lab preset fast"); `target`: anything else. */
  readonly source: { readonly kind: 'lab'; readonly where: string } | { readonly kind: 'target' };
  /** Set inputs in a fixed order, then the undefined ones an expected window needs. */
  readonly timings: readonly TimingRecord[];
  /** From the invoke to when the fault took effect (`fault.effect`), when the fault reported it. */
  readonly injectLatency?: { readonly ms: number; readonly how: string };
  readonly problems: readonly FidelityProblem[];
}

export interface RunResult {
  readonly kind: 'run';
  readonly meta: RunMeta;
  readonly verdict: RunVerdict;
  readonly verdictMessage: string;
  readonly preflight?: { readonly ok: boolean; readonly message: string };
  readonly aborted?: { readonly signal: string; readonly atMs?: number };
  readonly phases: readonly PhaseRecord[];
  readonly fault: FaultSummary;
  readonly measurements: readonly Measurement[];
  /**
   * What became of each expected alert and of every other alert that fired (src/analysis/
   * detection.ts); absent when the drill ran without Prometheus (no `AnalysisContext.alerting`).
   * Feeds the combined verdict.
   */
  readonly alerts?: readonly AlertOutcome[];
  readonly findings: readonly Finding[];
  readonly fidelity: Fidelity;
  readonly load?: LoadSummary;
  readonly history?: HistoryDelta;
  readonly repetition?: readonly RepetitionStat[];
  readonly timeline: readonly TimelineEvent[];
}

export interface SuiteMeta {
  readonly name: string;
  readonly target: string;
  readonly preset?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly harnessVersion: string;
}

export interface SuiteResult {
  readonly kind: 'suite';
  readonly meta: SuiteMeta;
  readonly verdict: RunVerdict;
  readonly verdictMessage: string;
  readonly runs: readonly RunResult[];
}

export type DrillResult = RunResult | SuiteResult;

/** The runs of a result: one for a run, each scenario's for a suite. */
export function runsOf(result: DrillResult): readonly RunResult[] {
  return result.kind === 'suite' ? result.runs : [result];
}
