/**
 * endpoint_removal_s: fault invoke → the killed apiserver's IP gone from `default/kubernetes`,
 * in both Endpoints and EndpointSlice (the later of the two; each one observed counts). A watch
 * gap just before the removal makes the value an upper bound, said in the detail.
 */
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';
import { atS } from './format.ts';
import type { Observation } from './types.ts';

export function endpointRemoval(
  events: readonly TimelineEvent[],
  faultMs: number,
  ip: string | undefined,
  name = 'kubernetes',
): Observation {
  if (!ip) return { value: null, detail: "the killed apiserver's IP is unknown" };
  const parts: string[] = [];
  const removals: number[] = [];
  let open = false;
  // Watches report changes only: no event after the fault means the IP is still listed, up to
  // the end of observation (the last event on the timeline).
  const endMs = Math.max(faultMs, ...events.map((e) => e.atMs));
  for (const resource of ['Endpoints', 'EndpointSlice'] as const) {
    const evs = eventsOf(events, 'endpoints').filter((e) => e.resource === resource && e.name === name);
    const before = evs.filter((e) => e.atMs < faultMs).at(-1);
    const after = evs.filter((e) => e.atMs >= faultMs);
    if (after.length === 0 && !before) {
      parts.push(`${resource}: not observed`);
      continue;
    }
    if (before && !before.ips.includes(ip)) {
      parts.push(`${resource}: ${ip} already absent before the fault`);
      removals.push(faultMs);
      continue;
    }
    const gone = after.find((e) => !e.ips.includes(ip));
    if (!gone) {
      open = true;
      parts.push(`${resource}: ${ip} still listed at the end`);
      continue;
    }
    removals.push(gone.atMs);
    const gap = eventsOf(events, 'watch.gap').find(
      (g) =>
        g.watch.toLowerCase().includes(resource.toLowerCase()) && g.toMs <= gone.atMs && g.toMs >= faultMs,
    );
    parts.push(
      `${resource}: removed at ${atS(gone.atMs)}${gap ? ` (after a watch gap ${atS(gap.fromMs)}–${atS(gap.toMs)}: upper bound)` : ''}`,
    );
  }
  const detail = parts.join('; ');
  if (open) return { value: (endMs - faultMs) / 1000, lowerBound: true, detail };
  if (removals.length === 0) return { value: null, detail };
  return { value: (Math.max(...removals) - faultMs) / 1000, detail };
}
