/**
 * Recovery criteria the runner polls while observing: pure functions of the timeline so far.
 */
import type { TimelineEvent } from '../timeline/events.ts';

/**
 * True when, after `fromMs`, requests through the LB on `connection` have succeeded without a
 * failure for at least `windowMs` (first success after the last failure to the latest success).
 */
export function sustainedApiSuccess(
  events: readonly TimelineEvent[],
  fromMs: number,
  windowMs: number,
  connection: 'new' | 'keepalive' = 'new',
): boolean {
  let runStart: number | undefined;
  let last: number | undefined;
  for (const e of events) {
    if (e.type !== 'api.request' || e.target !== 'lb' || e.connection !== connection || e.atMs < fromMs)
      continue;
    if (!e.ok) {
      runStart = undefined;
      continue;
    }
    runStart ??= e.atMs;
    last = e.atMs;
  }
  return runStart !== undefined && last !== undefined && last - runStart >= windowMs;
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
