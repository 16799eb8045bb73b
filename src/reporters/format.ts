/**
 * Shared wording for every reporter, so JUnit, Markdown, HTML and the terminal say the same thing:
 * values, SLOs, expected windows, verdict badges, test names and the report directory name.
 */
import type { HistoryDelta } from '../analysis/history.ts';
import type { Measurement } from '../analysis/types.ts';
import type { RunVerdict } from '../model/result.ts';
import type { Slo } from '../slo/types.ts';

export function fmtNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}

export function fmtValue(m: Pick<Measurement, 'value' | 'unit' | 'lowerBound'>): string {
  if (m.value === null) return '—';
  const unit = m.unit === 'value' ? '' : ` ${m.unit}`;
  return `${m.lowerBound ? '≥ ' : ''}${fmtNumber(m.value)}${unit}`;
}

export function fmtSlo(slo: Slo | null): string {
  if (!slo) return '(info)';
  return `${slo.op} ${slo.threshold}`;
}

export function fmtExpected(m: Pick<Measurement, 'expected'>): string {
  if (!m.expected) return '—';
  return `[${fmtNumber(m.expected.min)}, ${fmtNumber(m.expected.max)}]${m.expected.outside ? ' ⚠ outside' : ''}`;
}

export function fmtMs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export const VERDICT_ICON: Readonly<Record<RunVerdict, string>> = {
  pass: '✅',
  fail: '❌',
  unknown: '❔',
  aborted: '⛔',
};

export function verdictBadge(v: RunVerdict): string {
  return `${VERDICT_ICON[v]} ${v.toUpperCase()}`;
}

/** JUnit test case name: `<scenario> › <measurement> <op> <threshold>`. */
export function testName(scenario: string, m: Pick<Measurement, 'name' | 'slo'>): string {
  return `${scenario} › ${m.name} ${m.slo ? `${m.slo.op} ${m.slo.threshold}` : ''}`.trimEnd();
}

/** `reports/<UTC timestamp>-<scenario>`: e.g. `20261122T024000Z-apiserver-kill` (sorts by time). */
export function reportDirName(startedAt: string | Date, scenario: string): string {
  const iso = (typeof startedAt === 'string' ? new Date(startedAt) : startedAt).toISOString();
  return `${iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${scenario}`;
}

/** Which run the history compared with and why: its directory, the match, what was skipped. */
export function historyBasis(h: HistoryDelta & { kind: 'compared' }): string {
  const skipped =
    h.skipped > 0
      ? `; ${h.skipped} newer run${h.skipped === 1 ? '' : 's'} with another configuration skipped`
      : '';
  return `Previous run ${h.previous.dir} (started ${h.previous.startedAt}): ${h.matchedOn}${skipped}.`;
}
