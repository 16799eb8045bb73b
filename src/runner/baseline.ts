/**
 * The baseline: probes run before the fault so the report has the pre-fault picture, and so every
 * probe knows the state it measures a change from (the Lease holder before a leader kill, the
 * endpoints before an apiserver kill, the node Ready before a kubelet stop). Two rules:
 *  - fixed (`--baseline 5s`): exactly that long;
 *  - probes (the default, `--baseline auto`): at least `minMs`, then as soon as every probe has
 *    recorded its first observation (any event: a sample, a watch's initial list, an error), at
 *    most `maxMs` — a probe still silent then is named in the phase message and the fault goes
 *    in anyway, as with a fixed baseline. Waiting a fixed 3 s when every probe answered within
 *    200 ms was pure harness time in an `all` suite.
 */
import type { TimelineEvent } from '../timeline/events.ts';
import { UserError } from '../util/errors.ts';
import { parseDuration, sleep } from '../util/time.ts';

export type BaselineRule =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'probes'; readonly minMs: number; readonly maxMs: number };

/** `--baseline auto`: 1 s at least (ten samples of the 100 ms API probes), 5 s at most. */
export const AUTO_BASELINE: BaselineRule = { kind: 'probes', minMs: 1000, maxMs: 5000 };

export const baselineMaxMs = (r: BaselineRule): number => (r.kind === 'fixed' ? r.ms : r.maxMs);

/** Probes (by source name) that have recorded nothing at or after `sinceMs`. */
export function silentProbes(
  probes: readonly string[],
  events: readonly TimelineEvent[],
  sinceMs: number,
): string[] {
  const heard = new Set<string>();
  for (const e of events) if (e.atMs >= sinceMs) heard.add(e.source);
  return probes.filter((p) => !heard.has(p));
}

export interface BaselineWait {
  readonly rule: BaselineRule;
  readonly probes: readonly string[];
  readonly events: () => readonly TimelineEvent[];
  /** The run clock (ms); the baseline started at `startMs` on it. */
  readonly nowMs: () => number;
  readonly startMs: number;
  readonly signal?: AbortSignal;
  /** Poll period of the probes rule (default 50 ms). */
  readonly pollMs?: number;
}

/** Waits out the baseline; returns the phase message (how long, and why it ended). */
export async function waitBaseline(o: BaselineWait): Promise<string> {
  const took = () => `${((o.nowMs() - o.startMs) / 1000).toFixed(1)} s`;
  // Lengths count from `startMs` on the run clock (a timer may fire a fraction of a ms early).
  const until = async (ms: number) => {
    while (!o.signal?.aborted && o.nowMs() - o.startMs < ms)
      await sleep(Math.max(1, Math.ceil(ms - (o.nowMs() - o.startMs))), o.signal);
  };
  if (o.rule.kind === 'fixed') {
    await until(o.rule.ms);
    return `${took()} (fixed)`;
  }
  const { minMs, maxMs } = o.rule;
  await until(minMs);
  for (;;) {
    const silent = silentProbes(o.probes, o.events(), o.startMs);
    if (silent.length === 0) return `${took()}: every probe reported`;
    if (o.signal?.aborted) return `${took()}: aborted`;
    const left = o.startMs + maxMs - o.nowMs();
    if (left <= 0) return `${took()}: no observation yet from ${silent.join(', ')}`;
    await sleep(Math.min(o.pollMs ?? 50, left), o.signal);
  }
}

/** `--baseline`: `auto`, or a duration of 1s to 10m. */
export function parseBaseline(text: string): BaselineRule {
  if (text === 'auto') return AUTO_BASELINE;
  const ms = parseDuration(text, '--baseline', 10 * 60_000);
  if (ms < 1000)
    throw new UserError(
      `--baseline: '${text}' is too short for the probes to see the cluster before the fault; give 1s or more, or auto`,
    );
  return { kind: 'fixed', ms };
}
