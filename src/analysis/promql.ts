/**
 * PromQL SLO measurements (`promql_<name>`): the runner judged each expression over the fault
 * window (src/runner/promql.ts, src/monitoring/promql.ts); here each becomes a Measurement: its
 * worst sample as the value, `fail` when any sample broke the threshold (the first one named),
 * `unknown` when Prometheus answered with an error or no sample.
 */
import type { PromqlResult } from '../monitoring/promql.ts';
import type { PromqlMeasurementName } from '../slo/types.ts';
import type { Measurement } from './types.ts';

const round = (v: number) => Math.round(v * 1e6) / 1e6;

export function promqlMeasurements(results: readonly PromqlResult[]): Measurement[] {
  return results.map((r): Measurement => {
    const name: PromqlMeasurementName = `promql_${r.slo.name}`;
    const slo = { op: r.slo.op, threshold: r.slo.threshold, source: 'config' as const };
    const target = `${r.slo.op} ${r.slo.threshold}`;
    const base = { name, unit: 'value' as const, slo };
    if (!r.outcome) {
      const why = r.error ?? 'no result';
      return {
        ...base,
        value: null,
        verdict: 'unknown',
        message: `not observed: ${why}`,
        detail: r.slo.expr,
      };
    }
    const o = r.outcome;
    const detail = `${r.slo.expr}: ${o.samples} sample(s) of ${o.series} series over the fault window`;
    if (o.worst === null)
      return {
        ...base,
        value: null,
        verdict: 'unknown',
        message: 'not observed: no sample in the fault window',
        detail,
      };
    const v = o.firstViolation;
    return v
      ? {
          ...base,
          value: round(o.worst),
          verdict: 'fail',
          message: `broke ${target}: first ${round(v.value)}${Object.keys(v.metric).length ? ` on ${JSON.stringify(v.metric)}` : ''} at ${new Date(v.unixS * 1000).toISOString()}, worst ${round(o.worst)}`,
          detail,
        }
      : {
          ...base,
          value: round(o.worst),
          verdict: 'pass',
          message: `held ${target}: worst ${round(o.worst)}`,
          detail,
        };
  });
}
