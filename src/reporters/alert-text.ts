/**
 * Shared wording of the Alerts section (src/analysis/detection.ts `AlertOutcome`), so Markdown,
 * HTML, JUnit and the terminal say the same: the alert with its labels, its role and severity,
 * when it went pending, fired, was notified and resolved (run times), its verdict and why.
 */
import { labelText } from '../analysis/alerts.ts';
import type { AlertOutcome } from '../analysis/detection.ts';
import type { Measurement } from '../analysis/types.ts';
import type { RunResult } from '../model/result.ts';
import { fmtMs } from './format.ts';

export const ALERT_HEAD = [
  'alert',
  'role',
  'severity',
  'pending',
  'firing',
  'notified',
  'resolved',
  'verdict',
] as const;

/** `APIServerDown{instance="198.18.0.12:6443"}`. */
export function alertTitle(a: Pick<AlertOutcome, 'alert' | 'labels'>): string {
  return `${a.alert}${labelText(a.labels)}`;
}

const at = (ms: number | undefined) => (ms === undefined ? '—' : fmtMs(ms));

/** The cells of one alert row (run times; the firing cell counts episodes when it flapped). */
export function alertCells(a: AlertOutcome): string[] {
  const firing = a.episodes > 1 ? `${at(a.firingMs)} (${a.episodes} episodes)` : at(a.firingMs);
  return [
    alertTitle(a),
    a.role,
    a.severity ?? '—',
    at(a.pendingMs),
    firing,
    at(a.notifiedMs),
    at(a.resolvedMs),
    a.verdict,
  ];
}

/** The detection measurements of an expected alert, in the run's order. */
export function measurementsOf(run: RunResult, a: AlertOutcome): readonly Measurement[] {
  const names = new Set<string>(a.measurements ?? []);
  return run.measurements.filter((m) => names.has(m.name));
}

/**
 * JUnit test case name: `<scenario> › alert APIServerDown{…}` for an expected alert,
 * `<scenario> › unexpected alert X` / `› allowed alert X` for the others.
 */
export function alertTestName(scenario: string, a: AlertOutcome): string {
  return `${scenario} › ${a.role === 'expected' ? '' : `${a.role} `}alert ${alertTitle(a)}`;
}
