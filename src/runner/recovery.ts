/**
 * Recovery criteria the runner polls while observing: pure functions of the timeline so far.
 */
import { lbSamples, recoveryMs } from '../analysis/availability.ts';
import { DEFAULT_SUSTAINED_MS, type SustainedRule } from '../analysis/types.ts';
import type { TimelineEvent } from '../timeline/events.ts';

/**
 * True once the API through the LB has recovered after `fromMs` by the analysis' own
 * sustained-success rule (src/analysis/availability.ts `recoveryMs`): when this holds, RTO is
 * measured, not a lower bound.
 */
export function apiRecovered(
  events: readonly TimelineEvent[],
  fromMs: number,
  rule: SustainedRule = {},
): boolean {
  return recoveryMs(events, fromMs, rule) !== null;
}

/**
 * True when the API through the LB is steady at `nowMs`: every sample of the last sustained-success
 * window succeeded (none at all: nothing to wait for). The run ends only then, so a failure run
 * the heal caused (a VIP going back to its MASTER) is observed to its end, not cut off.
 */
export function apiSteadyAt(
  events: readonly TimelineEvent[],
  nowMs: number,
  rule: SustainedRule = {},
): boolean {
  const all = lbSamples(events, rule.connection);
  if (all.length === 0) return true;
  const since = nowMs - (rule.sustainedSuccessMs ?? DEFAULT_SUSTAINED_MS);
  const recent = all.filter((s) => s.atMs >= since);
  return recent.length > 0 && recent.every((s) => s.ok) && all.filter((s) => s.atMs < since).length > 0;
}

/** True when an endpoints event after `fromMs` no longer lists `ip` (for every resource seen). */
export function ipLeftEndpoints(events: readonly TimelineEvent[], fromMs: number, ip: string): boolean {
  const latest = new Map<string, readonly string[]>();
  for (const e of events) if (e.type === 'endpoints') latest.set(e.resource, e.ips);
  const after = events.some((e) => e.type === 'endpoints' && e.atMs >= fromMs && !e.ips.includes(ip));
  return after && latest.size > 0 && [...latest.values()].every((ips) => !ips.includes(ip));
}

/** True when the Lease `name` has a holder other than the one it had at `fromMs`. */
export function leaseHolderChanged(events: readonly TimelineEvent[], fromMs: number, name: string): boolean {
  let before: string | null | undefined;
  for (const e of events) {
    if (e.type !== 'lease' || e.name !== name) continue;
    if (e.atMs <= fromMs) before = e.holderIdentity;
    else if (e.holderIdentity && e.holderIdentity !== before) return true;
  }
  return false;
}
