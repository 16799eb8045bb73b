/**
 * Repetition statistics for `--repeat N`: min / p50 / p95 / max per measurement over the runs
 * that observed it (nearest-rank percentiles), with how many runs had no value or failed.
 */
import type { AnyMeasurementName } from '../slo/types.ts';
import type { Measurement, Unit } from './types.ts';

export interface RepetitionStat {
  readonly name: AnyMeasurementName;
  readonly unit: Unit;
  readonly runs: number;
  readonly observed: number;
  readonly failed: number;
  readonly min: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly max: number | null;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function repetitionStats(runs: readonly (readonly Measurement[])[]): RepetitionStat[] {
  const byName = new Map<AnyMeasurementName, Measurement[]>();
  for (const run of runs) {
    for (const m of run) {
      const list = byName.get(m.name) ?? [];
      list.push(m);
      byName.set(m.name, list);
    }
  }
  return [...byName.entries()].map(([name, ms]) => {
    const values = ms
      .filter((m) => m.value !== null && !m.lowerBound)
      .map((m) => m.value!)
      .sort((a, b) => a - b);
    return {
      name,
      unit: ms[0]!.unit,
      runs: ms.length,
      observed: values.length,
      failed: ms.filter((m) => m.verdict === 'fail').length,
      min: values[0] ?? null,
      p50: percentile(values, 50),
      p95: percentile(values, 95),
      max: values.at(-1) ?? null,
    };
  });
}
