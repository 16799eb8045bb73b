/**
 * lease_reelection_s: fault → the Lease names a holder other than the pre-fault holder.
 * Also reports whether `leaseTransitions` went up and whether the old holder released the lease
 * (empty holder), which selects the graceful expected window.
 */
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';
import type { Observation } from './types.ts';

export interface ReelectionResult extends Observation {
  readonly released: boolean;
}

export function leaseReelection(
  events: readonly TimelineEvent[],
  faultMs: number,
  lease: string,
): ReelectionResult {
  const [ns, name] = lease.includes('/') ? lease.split('/', 2) : ['kube-system', lease];
  const evs = eventsOf(events, 'lease').filter((e) => e.namespace === ns && e.name === name);
  const before = evs.filter((e) => e.atMs < faultMs).at(-1);
  if (!before?.holderIdentity) {
    return { value: null, released: false, detail: `no holder of ${ns}/${name} observed before the fault` };
  }
  const after = evs.filter((e) => e.atMs >= faultMs);
  const released = after.some((e) => !e.holderIdentity);
  const next = after.find((e) => e.holderIdentity && e.holderIdentity !== before.holderIdentity);
  if (!next) {
    const last = after.at(-1);
    return {
      value: last ? (last.atMs - faultMs) / 1000 : null,
      lowerBound: true,
      released,
      detail: `${ns}/${name} still held by ${before.holderIdentity} (or unobserved) at the end`,
    };
  }
  const t0 = before.leaseTransitions;
  const t1 = next.leaseTransitions;
  const transitions =
    t0 !== undefined && t1 !== undefined
      ? `; leaseTransitions ${t0} → ${t1}${t1 > t0 ? '' : ' (not incremented!)'}`
      : '';
  return {
    value: (next.atMs - faultMs) / 1000,
    released,
    detail: `holder ${before.holderIdentity} → ${next.holderIdentity}${released ? ' (released on stop)' : ''}${transitions}`,
  };
}
