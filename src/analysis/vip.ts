/**
 * vip_takeover_s: fault → the VIP is held by a host other than the pre-fault holder, from `vip`
 * events (or the fault's `vip-moved` proof when no vip probe ran).
 */
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';
import type { Observation } from './types.ts';

export function vipTakeover(events: readonly TimelineEvent[], faultMs: number): Observation {
  const evs = eventsOf(events, 'vip');
  // The last holder seen before the fault: the probe may see the VIP leave a few ms before the
  // fault's effect time, which is an estimate (the midpoint of a command's round trip or of two
  // polls, src/faults/effect.ts); a holder-less observation in that gap is the fault's own doing.
  const before = evs.filter((e) => e.atMs < faultMs && e.holder).at(-1);
  const after = evs.filter((e) => e.atMs >= faultMs);
  if (before?.holder) {
    const moved = after.find((e) => e.holder && e.holder !== before.holder);
    if (moved)
      return {
        value: (moved.atMs - faultMs) / 1000,
        detail: `${moved.vip}: ${before.holder} → ${moved.holder}`,
      };
  }
  const proof = eventsOf(events, 'fault.proof').find(
    (p) => p.atMs >= faultMs && p.proof.kind === 'vip-moved',
  );
  if (proof && proof.proof.kind === 'vip-moved' && proof.proof.to) {
    return {
      value: (proof.atMs - faultMs) / 1000,
      detail: `from the fault's proof: ${proof.proof.from} → ${proof.proof.to}`,
    };
  }
  if (!before?.holder) return { value: null, detail: 'no VIP holder observed before the fault' };
  const last = after.at(-1);
  return {
    value: last ? (last.atMs - faultMs) / 1000 : null,
    lowerBound: true,
    detail: `VIP did not move away from ${before.holder}`,
  };
}

export interface VipFailback {
  readonly vip: string;
  /** The holder during the fault, which gave the VIP back. */
  readonly from: string;
  /** The pre-fault holder, which took it back. */
  readonly to: string;
  /** Seconds from the heal's invoke to the move back. */
  readonly afterHealS: number;
}

/**
 * The VIP's move back to its pre-fault holder after the heal (keepalived's preemption: the
 * healed LB has the higher priority, keepalived.conf(5) `nopreempt` turns it off): the holder
 * before the fault, another holder between the fault and the heal, and the first holder again
 * after the heal's invoke. Undefined without all three.
 */
export function vipFailback(events: readonly TimelineEvent[]): VipFailback | undefined {
  const faultMs = eventsOf(events, 'fault.invoke')[0]?.atMs;
  if (faultMs === undefined) return undefined;
  const healMs = eventsOf(events, 'heal.invoke').find((e) => e.atMs >= faultMs)?.atMs;
  if (healMs === undefined) return undefined;
  const evs = eventsOf(events, 'vip').filter((e) => e.holder);
  const before = evs.filter((e) => e.atMs < faultMs).at(-1);
  if (!before?.holder) return undefined;
  const moved = evs.find((e) => e.atMs >= faultMs && e.atMs < healMs && e.holder !== before.holder);
  if (!moved) return undefined;
  // The holder just before the move back (another backup may have taken over in between).
  let from = moved.holder!;
  for (const e of evs.filter((x) => x.atMs > moved.atMs)) {
    if (e.holder !== before.holder) {
      from = e.holder!;
      continue;
    }
    if (e.atMs < healMs) return undefined; // back before the heal: not the heal's doing
    return { vip: e.vip, from, to: before.holder, afterHealS: (e.atMs - healMs) / 1000 };
  }
  return undefined;
}
