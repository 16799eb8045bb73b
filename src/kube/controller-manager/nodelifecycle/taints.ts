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
 * The Ready status a node's taints follow, as upstream splits them
 * (kubernetes/kubernetes pkg/controller/nodelifecycle/node_lifecycle_controller.go):
 * - `current`: after this pass's update (Unknown once the grace period ran out). The NoSchedule
 *   taints follow it at once: doNoScheduleTaintingPass runs on the node update event.
 * - `observed`: the Ready condition as read at the start of the pass, before tryUpdateNodeHealth
 *   changed it; monitorNodeHealth passes this one to processTaintBaseEviction. So a node that goes
 *   stale in pass N is queued for its NoExecute taint in pass N+1, one --node-monitor-period later.
 */
export interface ReadyStatuses {
  readonly current: string;
  readonly observed: string;
}

const otherKey = (key: string | undefined): string | undefined =>
  key === UNREACHABLE ? NOT_READY : key === NOT_READY ? UNREACHABLE : undefined;

/**
 * Whether this pass would queue the node for a rate-limited NoExecute taint (upstream
 * markNodeForTainting): the observed status is False or Unknown, and the node carries neither its
 * NoExecute taint (already done) nor the opposite one (swapped at once, without a token).
 */
export function wantsNoExecuteToken(taints: readonly V1Taint[] | undefined, observed: string): boolean {
  const key = taintKeyFor(observed);
  return key !== undefined && !hasNoExecute(taints, key) && !hasNoExecute(taints, otherKey(key) ?? '');
}

/**
 * The node's taints after this pass (upstream processTaintBaseEviction, doNoExecuteTaintingPass,
 * doNoScheduleTaintingPass, markNodeAsReachable):
 * - NoSchedule follows `current` at once.
 * - `observed` True: both NoExecute taints go (markNodeAsReachable).
 * - `observed` False/Unknown while the node carries the opposite NoExecute taint: swapped at once,
 *   no token (SwapNodeControllerTaint straight from processTaintBaseEviction).
 * - otherwise the NoExecute taint is added only when `allowNoExecute` (the zone's bucket granted a
 *   token), keyed by `current` (doNoExecuteTaintingPass reads the node's condition when it runs;
 *   a node that is Ready by then is not tainted).
 * - `clearNoExecute` (every zone fully disrupted): no NoExecute at all (markNodeAsReachable on all).
 */
export function planTaints(
  current: readonly V1Taint[] | undefined,
  ready: ReadyStatuses,
  allowNoExecute: boolean,
  clearNoExecute: boolean,
  now: Date,
): TaintPlan {
  const noSchedule = taintKeyFor(ready.current);
  const observedKey = taintKeyFor(ready.observed);
  const swapFrom = otherKey(observedKey);
  const swap = swapFrom !== undefined && hasNoExecute(current, swapFrom);
  const ours = new Set([UNREACHABLE, NOT_READY]);
  const out: V1Taint[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const t of current ?? []) {
    const mine = ours.has(t.key);
    const keep =
      !mine ||
      (t.effect === 'NoSchedule' && t.key === noSchedule) ||
      (t.effect === 'NoExecute' && t.key === observedKey && !clearNoExecute);
    if (keep) out.push(t);
    else removed.push(`${t.key}:${t.effect}`);
  }
  if (noSchedule && !out.some((t) => t.key === noSchedule && t.effect === 'NoSchedule')) {
    out.push({ key: noSchedule, effect: 'NoSchedule', timeAdded: now });
    added.push(`${noSchedule}:NoSchedule`);
  }
  const noExecute = swap ? observedKey : allowNoExecute ? taintKeyFor(ready.current) : undefined;
  if (noExecute && observedKey && !clearNoExecute && !hasNoExecute(out, noExecute)) {
    out.push({ key: noExecute, effect: 'NoExecute', timeAdded: now });
    added.push(`${noExecute}:NoExecute`);
  }
  return { taints: out, changed: added.length > 0 || removed.length > 0, added, removed };
}

export interface TaintDecision {
  /** A NoExecute token was taken from the zone's bucket in this pass. */
  readonly allow: boolean;
  readonly plan: TaintPlan;
}

/**
 * One node's taint step of a monitor pass: take a token from the zone's bucket only when the node
 * would be queued for NoExecute (and not every zone is fully disrupted), then plan. `allow` is kept
 * so a retried write re-plans with the same token.
 */
export function decideTaints(
  taints: readonly V1Taint[] | undefined,
  ready: ReadyStatuses,
  bucket: TokenBucket | undefined,
  allFull: boolean,
  now: number,
): TaintDecision {
  const allow = !allFull && wantsNoExecuteToken(taints, ready.observed) && (bucket?.tryAccept(now) ?? false);
  return { allow, plan: planTaints(taints, ready, allow, allFull, new Date(now)) };
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
