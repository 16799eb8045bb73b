/**
 * Pure decisions of taint-based eviction (pkg/controller/tainteviction): a pod on a node with NoExecute
 * taints is deleted once the smallest matching toleration's tolerationSeconds has elapsed, counted here
 * from each taint's timeAdded; a taint without a matching toleration evicts at once; a matching
 * toleration without tolerationSeconds never evicts for that taint. DaemonSet pods are never evicted.
 */
import type { V1Pod, V1Taint } from '@kubernetes/client-node';
import { toleratesTaint } from '../../api/toleration.ts';

const ms = (v: unknown): number | undefined => {
  if (v === undefined || v === null) return undefined;
  const n = v instanceof Date ? v.getTime() : Date.parse(String(v));
  return Number.isNaN(n) ? undefined : n;
};

export type EvictionDecision =
  | { readonly kind: 'keep' }
  | { readonly kind: 'never'; readonly reason: string }
  | { readonly kind: 'at'; readonly at: number; readonly taint: string };

/**
 * When to evict `pod` given its node's taints. `firstSeen(taint)` supplies a start time for a NoExecute
 * taint that has no timeAdded (the controller's first observation).
 */
export function evictionTime(
  pod: V1Pod,
  taints: readonly V1Taint[] | undefined,
  firstSeen: (t: V1Taint) => number,
): EvictionDecision {
  const noExecute = (taints ?? []).filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { kind: 'keep' };
  if (pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet')) {
    return { kind: 'never', reason: 'DaemonSet pod' };
  }
  const tolerations = pod.spec?.tolerations ?? [];
  let best: { at: number; taint: string } | undefined;
  for (const taint of noExecute) {
    const start = ms(taint.timeAdded) ?? firstSeen(taint);
    const matching = tolerations.filter((tol) => toleratesTaint(tol, taint));
    let at: number;
    if (matching.length === 0) at = start;
    else {
      const secs = matching.map((tol) => tol.tolerationSeconds);
      // upstream getMinTolerationTime: nil → infinite, <= 0 → 0; the minimum wins
      const finite = secs
        .filter((s): s is number => s !== undefined && s !== null)
        .map((s) => Math.max(0, s));
      if (finite.length === 0) continue;
      at = start + Math.min(...finite) * 1000;
    }
    if (!best || at < best.at) best = { at, taint: `${taint.key}:${taint.effect}` };
  }
  return best
    ? { kind: 'at', ...best }
    : { kind: 'never', reason: 'tolerates every NoExecute taint forever' };
}
