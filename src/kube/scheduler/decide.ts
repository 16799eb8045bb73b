/**
 * Pure scheduling decisions: which pods are pending for the default scheduler (and which of them
 * are gated: spec.schedulingGates, never attempted until the gates are removed, as upstream's
 * SchedulingGates PreEnqueue plugin keeps them out of the active queue), which nodes fit a pod
 * (Ready, schedulable, every NoSchedule/NoExecute taint tolerated, nodeSelector matched), and which
 * fitting node to pick: fewest pods of the same owner first (spreading replicas), then fewest pods, then name.
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { toleratesTaint } from '../api/toleration.ts';

export const DEFAULT_SCHEDULER = 'default-scheduler';

export function isPending(pod: V1Pod): boolean {
  return (
    !pod.spec?.nodeName &&
    !pod.metadata?.deletionTimestamp &&
    (pod.spec?.schedulerName ?? DEFAULT_SCHEDULER) === DEFAULT_SCHEDULER &&
    pod.status?.phase !== 'Succeeded' &&
    pod.status?.phase !== 'Failed'
  );
}

/** A pending pod with scheduling gates: never attempted (pkg/scheduler/framework/plugins/schedulinggates). */
export const isGated = (pod: V1Pod): boolean => (pod.spec?.schedulingGates?.length ?? 0) > 0;

export const isNodeReady = (n: V1Node): boolean =>
  n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Why `node` does not fit `pod`, or undefined when it fits. */
export function unfitReason(pod: V1Pod, node: V1Node): string | undefined {
  if (!isNodeReady(node)) return 'node not Ready';
  if (node.spec?.unschedulable) return 'node unschedulable';
  const tolerations = pod.spec?.tolerations ?? [];
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => toleratesTaint(t, taint)))
      return `untolerated taint ${taint.key}:${taint.effect}`;
  }
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (node.metadata?.labels?.[k] !== v) return `nodeSelector ${k}=${v} not matched`;
  }
  return undefined;
}

export const ownerUid = (pod: V1Pod): string | undefined =>
  pod.metadata?.ownerReferences?.find((o) => o.controller)?.uid;

export interface Placement {
  readonly node: string | undefined;
  /** Per-node reasons when nothing fits (for the log / FailedScheduling). */
  readonly reasons: Record<string, string>;
}

/** Picks a node for `pod`; `placed` are the pods already bound (non-terminating) anywhere. */
export function pickNode(pod: V1Pod, nodes: readonly V1Node[], placed: readonly V1Pod[]): Placement {
  const reasons: Record<string, string> = {};
  const fit: V1Node[] = [];
  for (const n of nodes) {
    const r = unfitReason(pod, n);
    if (r) reasons[n.metadata?.name ?? ''] = r;
    else fit.push(n);
  }
  if (fit.length === 0) return { node: undefined, reasons };
  const owner = ownerUid(pod);
  const score = (n: V1Node): [number, number] => {
    const name = n.metadata?.name;
    const on = placed.filter((p) => p.spec?.nodeName === name && !p.metadata?.deletionTimestamp);
    return [owner ? on.filter((p) => ownerUid(p) === owner).length : 0, on.length];
  };
  const ranked = fit
    .map((n) => ({ n, s: score(n) }))
    .sort(
      (a, b) =>
        a.s[0] - b.s[0] ||
        a.s[1] - b.s[1] ||
        (a.n.metadata?.name ?? '').localeCompare(b.n.metadata?.name ?? ''),
    );
  return { node: ranked[0]?.n.metadata?.name, reasons };
}
