/**
 * History comparison: this run's measurements against the previous run of the same scenario and
 * target (its report.json, already parsed). Pure; finding the previous report is I/O and lives in
 * src/reporters/history-store.ts.
 */
import type { MeasurementName } from '../slo/types.ts';
import type { Measurement, Verdict } from './types.ts';

export interface PreviousRun {
  readonly startedAt: string;
  readonly dir?: string;
  readonly measurements: readonly Pick<Measurement, 'name' | 'value' | 'verdict'>[];
}

export interface HistoryEntry {
  readonly name: MeasurementName;
  readonly previous: number | null;
  readonly current: number | null;
  /** current − previous, null when either is missing. */
  readonly delta: number | null;
  /** delta / previous × 100, null when undefined. */
  readonly deltaPct: number | null;
  readonly previousVerdict: Verdict | null;
  readonly currentVerdict: Verdict;
  /** Verdict got worse (pass → unknown/fail, unknown → fail). */
  readonly regressed: boolean;
}

export interface HistoryDelta {
  readonly previousStartedAt: string;
  readonly previousDir?: string;
  readonly entries: readonly HistoryEntry[];
}

const RANK: Readonly<Record<Verdict, number>> = { pass: 0, unknown: 1, fail: 2 };

export function compareWithPrevious(current: readonly Measurement[], previous: PreviousRun): HistoryDelta {
  const prev = new Map(previous.measurements.map((m) => [m.name, m]));
  const entries = current.map((m): HistoryEntry => {
    const p = prev.get(m.name);
    const pv = p?.value ?? null;
    const delta = pv !== null && m.value !== null ? round(m.value - pv) : null;
    return {
      name: m.name,
      previous: pv,
      current: m.value,
      delta,
      deltaPct: delta !== null && pv ? round((delta / pv) * 100) : null,
      previousVerdict: p?.verdict ?? null,
      currentVerdict: m.verdict,
      regressed: p ? RANK[m.verdict] > RANK[p.verdict] : false,
    };
  });
  return {
    previousStartedAt: previous.startedAt,
    ...(previous.dir ? { previousDir: previous.dir } : {}),
    entries,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
