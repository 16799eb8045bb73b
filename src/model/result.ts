/**
 * The one read-only result model every reporter renders: a RunResult per scenario run and a
 * SuiteResult for `all`.
 *
 * The folder: `buildRunResult` (build.ts) runs the analysis, derives phases/fault/findings/
 * history, computes the combined verdict, redacts secrets (redact.ts) and freezes the result;
 * exit.ts turns a result into the CLI's exit code.
 */
import type { Finding } from '../analysis/findings.ts';
import type { HistoryDelta, RunConfig } from '../analysis/history.ts';
import type { RepetitionStat } from '../analysis/stats.ts';
import type { Measurement, Verdict } from '../analysis/types.ts';
import type { FaultProof, FaultTarget, Phase, TimelineEvent } from '../timeline/events.ts';

/** A run's combined verdict: worst measurement (fail > unknown > pass), or aborted by a signal. */
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
  readonly findings: readonly Finding[];
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
