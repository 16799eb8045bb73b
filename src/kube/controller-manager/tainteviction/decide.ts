/**
 * Pure decisions of taint-based eviction, as upstream's taint eviction controller makes them
 * (kubernetes/kubernetes pkg/controller/tainteviction/taint_eviction.go, processPodOnNode):
 * - per NoExecute taint, the FIRST toleration that tolerates it is used (GetMatchingTolerations,
 *   pkg/apis/core/v1/helper/helpers.go); one untolerated taint evicts the pod at once;
 * - the pod may stay for the smallest tolerationSeconds among the used tolerations
 *   (getMinTolerationTime): one without tolerationSeconds tolerates forever and is skipped, so only
 *   when every used toleration has none does the pod stay forever; a value <= 0 evicts at once;
 * - the clock starts when the controller processes the taint (`now` of the node update), not at the
 *   taint's timeAdded; once an eviction is scheduled its time stands until it is cancelled (taints
 *   gone, pod tolerates forever): a later, longer toleration does not postpone it.
 * DaemonSet pods get no special case here: upstream they stay because the DaemonSet controller gives
 * them tolerations without tolerationSeconds.
 */
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';
import { toleratesTaint } from '../../api/toleration.ts';

/** Upstream GetMatchingTolerations: all tolerated, and the first matching toleration of each taint. */
export function matchingTolerations(
  taints: readonly V1Taint[],
  tolerations: readonly V1Toleration[],
): { readonly allTolerated: boolean; readonly used: V1Toleration[] } {
  if (taints.length === 0) return { allTolerated: true, used: [] };
  const used: V1Toleration[] = [];
  for (const taint of taints) {
    const first = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (!first) return { allTolerated: false, used: [] };
    used.push(first);
  }
  return { allTolerated: true, used };
}

/** Upstream getMinTolerationTime, in ms: 0 for none or any <= 0, -1 when every one is forever. */
export function minTolerationMs(tolerations: readonly V1Toleration[]): number {
  if (tolerations.length === 0) return 0;
  let min = Number.POSITIVE_INFINITY;
  for (const tol of tolerations) {
    const s = tol.tolerationSeconds;
    if (s === undefined || s === null) continue;
    if (s <= 0) return 0;
    min = Math.min(min, s);
  }
  return min === Number.POSITIVE_INFINITY ? -1 : min * 1000;
}

/** A scheduled eviction (upstream TimedWorker: CreatedAt, FireAt). */
export interface ScheduledEviction {
  readonly createdAt: number;
  readonly fireAt: number;
}

export type EvictionDecision =
  /** No eviction scheduled (none was, or it is cancelled). */
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'scheduled'; readonly eviction: ScheduledEviction };

/**
 * Upstream processPodOnNode: the pod's scheduled eviction after the controller looks at it at `now`
 * with the node's NoExecute taints. `prev` is the eviction scheduled earlier, if any.
 */
export function processPodOnNode(
  prev: ScheduledEviction | undefined,
  tolerations: readonly V1Toleration[],
  noExecuteTaints: readonly V1Taint[],
  now: number,
): EvictionDecision {
  if (noExecuteTaints.length === 0) return { kind: 'none', reason: 'no NoExecute taint' };
  const { allTolerated, used } = matchingTolerations(noExecuteTaints, tolerations);
  if (!allTolerated) return { kind: 'scheduled', eviction: { createdAt: now, fireAt: now } };
  const min = minTolerationMs(used);
  if (min < 0) return { kind: 'none', reason: 'tolerates every NoExecute taint forever' };
  if (prev && prev.createdAt + min < now + min) return { kind: 'scheduled', eviction: prev };
  return { kind: 'scheduled', eviction: { createdAt: prev?.createdAt ?? now, fireAt: now + min } };
}

export const noExecuteTaints = (taints: readonly V1Taint[] | undefined): V1Taint[] =>
  (taints ?? []).filter((t) => t.effect === 'NoExecute');
