/**
 * Shared wording of the Fidelity section (src/model/fidelity.ts), so Markdown, HTML and JUnit say
 * the same: each timing input's value and origin, the summary line, the inject latency, the
 * problems.
 */

import type { Fidelity, TimingRecord } from '../model/result.ts';
import type { TimingOrigin } from '../targets/defaults.ts';

/** "configured in /etc/kubernetes/manifests/… on cp1", "default: …", "lab preset fast". */
export function fmtOrigin(o: TimingOrigin | null): string {
  if (!o) return 'origin not recorded';
  if (o.kind === 'configured') return `configured in ${o.where}`;
  return o.kind === 'default' ? `default: ${o.rule}` : o.where;
}

export function fmtTimingValue(r: TimingRecord): string {
  return r.value === null ? `undefined (needed by ${(r.neededBy ?? []).join(', ')})` : String(r.value);
}

/** One line: where the timings came from, counted by origin. */
export function fidelitySummary(f: Fidelity): string {
  if (f.source.kind === 'lab') return `Timings from ${f.source.where}.`;
  if (f.timings.length === 0) return 'No timing inputs recorded: no expected window could be computed.';
  const count = (pred: (r: TimingRecord) => boolean) => f.timings.filter(pred).length;
  const parts = [
    [count((r) => r.origin?.kind === 'configured'), 'read from the cluster'],
    [count((r) => r.origin?.kind === 'default'), 'upstream defaults'],
    [count((r) => r.origin?.kind === 'lab'), 'from the lab preset'],
    [count((r) => r.value !== null && r.origin === null), 'origin not recorded'],
    [count((r) => r.value === null), 'undefined'],
  ] as const;
  return `Timing inputs: ${parts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(', ')}.`;
}

export function injectLatencyText(f: Fidelity): string {
  const l = f.injectLatency;
  return l
    ? `inject latency ${(l.ms / 1000).toFixed(3)} s (${l.how}): measurements start when the fault took effect`
    : 'inject latency not reported by the fault: measurements start at the invoke';
}

/** The fidelity verdict as one sentence (JUnit message, summaries). */
export function fidelityVerdict(f: Fidelity): string {
  const n = f.problems.length;
  return n === 0
    ? 'no fidelity problem'
    : `${n} fidelity problem${n === 1 ? '' : 's'}: ${f.problems.map((p) => p.message).join('; ')}`;
}
