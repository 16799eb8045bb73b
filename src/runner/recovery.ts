/**
 * Recovery criteria the runner polls while observing: pure functions of the timeline so far.
 */
import { lbSamples, recoveryMs } from '../analysis/availability.ts';
import { DEFAULT_SUSTAINED_MS, type SustainedRule } from '../analysis/types.ts';
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';

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

/**
 * True once every request the API probes sent before `fromMs` has been recorded: each probe has
 * one request in flight at a time and records it stamped with its send time, so a recorded request
 * sent at or after `fromMs` on every connection kind means the earlier ones have completed. The run
 * judges the API steady only then: lb-stop's run once ended while the request sent as the VIP moved
 * back to its MASTER was still timing out, and the analysis then found that failure run "still
 * failing at the end".
 */
export function settledSince(events: readonly TimelineEvent[], fromMs: number): boolean {
  const lb = eventsOf(events, 'api.request').filter((e) => e.target === 'lb');
  const kinds = new Set(lb.map((e) => e.connection));
  return [...kinds].every((c) => lb.some((e) => e.connection === c && e.atMs >= fromMs));
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
