/**
 * PromQL SLOs from the drill config: an expression that must stay under (or over) a threshold
 * across the fault window, e.g. the seeds' "apiserver p99 < 1 s" as
 * `histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket[1m])))`.
 * The runner asks Prometheus for the range (`query_range` over effect → heal, one step per
 * evaluation interval); this module judges the samples, purely: the worst value, and the first
 * sample that broke the threshold (its time goes on the timeline).
 */
import { compare, type SloOp } from '../slo/types.ts';
import type { Series } from './client.ts';

export interface PromqlSlo {
  /** `[a-z][a-z0-9_]*`: reported as the measurement `promql_<name>`. */
  readonly name: string;
  readonly expr: string;
  readonly op: SloOp;
  readonly threshold: number;
  /** Only these scenarios (default: every scenario the drill runs). */
  readonly scenarios?: readonly string[];
}

export interface PromqlViolation {
  readonly unixS: number;
  readonly value: number;
  readonly metric: Readonly<Record<string, string>>;
}

export interface PromqlOutcome {
  readonly slo: PromqlSlo;
  /** The worst sample for the operator (the highest for < and <=, the lowest for > and >=); null: no sample. */
  readonly worst: number | null;
  /** The first sample (by time) that broke the threshold. */
  readonly firstViolation?: PromqlViolation;
  readonly samples: number;
  readonly series: number;
}

/** A PromQL SLO of one run: judged, or why it could not be (the query failed). */
export interface PromqlResult {
  readonly slo: PromqlSlo;
  readonly outcome?: PromqlOutcome;
  readonly error?: string;
}

/** Judges every sample of every series; NaN samples (e.g. a rate over no data) are skipped. */
export function judgePromql(slo: PromqlSlo, series: readonly Series[]): PromqlOutcome {
  const upper = slo.op === '<' || slo.op === '<=';
  let worst: number | null = null;
  let first: PromqlViolation | undefined;
  let samples = 0;
  for (const s of series) {
    for (const [unixS, value] of s.values) {
      if (Number.isNaN(value)) continue;
      samples += 1;
      if (worst === null || (upper ? value > worst : value < worst)) worst = value;
      if (!compare(value, slo.op, slo.threshold) && (!first || unixS < first.unixS))
        first = { unixS, value, metric: s.metric };
    }
  }
  return { slo, worst, ...(first ? { firstViolation: first } : {}), samples, series: series.length };
}
