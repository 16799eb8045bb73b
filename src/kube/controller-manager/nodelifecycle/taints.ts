/**
 * Pure taint decisions of the node lifecycle controller: which `node.kubernetes.io/unreachable` /
 * `not-ready` taints a node should carry, per-zone disruption states (ComputeZoneState) and the
 * per-zone token bucket that paces NoExecute tainting (--node-eviction-rate, 0.1 node/s upstream).
 */
import type { V1Node, V1Taint } from '@kubernetes/client-node';

export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface EvictionSettings {
  readonly evictionRate: number;
  readonly secondaryEvictionRate: number;
  readonly largeClusterThreshold: number;
  readonly unhealthyZoneThreshold: number;
}

export const DEFAULT_EVICTION: EvictionSettings = {
  evictionRate: 0.1,
  secondaryEvictionRate: 0.01,
  largeClusterThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

export const zoneOf = (node: V1Node): string => node.metadata?.labels?.[ZONE_LABEL] ?? '';

/** Upstream ComputeZoneState over the Ready statuses of a zone's nodes. */
export function zoneState(readyStatuses: readonly string[], unhealthyThreshold: number): ZoneState {
  const notReady = readyStatuses.filter((s) => s !== 'True').length;
  const ready = readyStatuses.length - notReady;
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / readyStatuses.length >= unhealthyThreshold) return 'PartialDisruption';
  return 'Normal';
}

/** Rate of NoExecute tainting in a zone (upstream: full → 0; partial → secondary only in large clusters). */
export function zoneRate(state: ZoneState, zoneSize: number, s: EvictionSettings): number {
  if (state === 'FullDisruption') return 0;
  if (state === 'PartialDisruption') return zoneSize > s.largeClusterThreshold ? s.secondaryEvictionRate : 0;
  return s.evictionRate;
}

/** The taint key a Ready status calls for: Unknown → unreachable, False → not-ready, True → none. */
export function taintKeyFor(readyStatus: string): string | undefined {
  if (readyStatus === 'Unknown') return UNREACHABLE;
  if (readyStatus === 'False') return NOT_READY;
  return undefined;
}

export interface TaintPlan {
  readonly taints: V1Taint[];
  readonly changed: boolean;
  readonly added: string[];
  readonly removed: string[];
}

/**
 * The node's taints after this pass. NoSchedule follows the Ready status at once; NoExecute is added
 * only when `allowNoExecute` (the zone's bucket granted a token) and removed when the node is Ready or
 * `clearNoExecute` (every zone fully disrupted: upstream marks all nodes reachable again).
 */
export function planTaints(
  current: readonly V1Taint[] | undefined,
  readyStatus: string,
  allowNoExecute: boolean,
  clearNoExecute: boolean,
  now: Date,
): TaintPlan {
  const want = taintKeyFor(readyStatus);
  const ours = new Set([UNREACHABLE, NOT_READY]);
  const out: V1Taint[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const t of current ?? []) {
    const mine = ours.has(t.key);
    const keep =
      !mine ||
      (t.key === want && t.effect === 'NoSchedule') ||
      (t.key === want && t.effect === 'NoExecute' && !clearNoExecute);
    if (keep) out.push(t);
    else removed.push(`${t.key}:${t.effect}`);
  }
  if (want) {
    if (!out.some((t) => t.key === want && t.effect === 'NoSchedule')) {
      out.push({ key: want, effect: 'NoSchedule', timeAdded: now });
      added.push(`${want}:NoSchedule`);
    }
    if (allowNoExecute && !clearNoExecute && !out.some((t) => t.key === want && t.effect === 'NoExecute')) {
      out.push({ key: want, effect: 'NoExecute', timeAdded: now });
      added.push(`${want}:NoExecute`);
    }
  }
  return { taints: out, changed: added.length > 0 || removed.length > 0, added, removed };
}

export const hasNoExecute = (taints: readonly V1Taint[] | undefined, key: string): boolean =>
  (taints ?? []).some((t) => t.key === key && t.effect === 'NoExecute');

/** Token bucket with burst 1 (flowcontrol.NewTokenBucketRateLimiter(qps, 1)). */
export class TokenBucket {
  private tokens = 1;
  private last: number | undefined;
  constructor(private qps: number) {}
  setRate(qps: number, now: number): void {
    this.refill(now);
    this.qps = qps;
  }
  private refill(now: number): void {
    if (this.last !== undefined)
      this.tokens = Math.min(1, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }
  tryAccept(now: number): boolean {
    this.refill(now);
    if (this.qps <= 0) return false;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}
