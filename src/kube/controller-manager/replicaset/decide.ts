/**
 * Pure ReplicaSet decisions: which pods a ReplicaSet owns, how many to create or delete, its status,
 * and the pod to create from the template (generateName `<rs>-`, controller ownerReference).
 */
import type { V1Pod, V1ReplicaSet, V1ReplicaSetStatus } from '@kubernetes/client-node';

export const isOwnedBy = (pod: V1Pod, rs: V1ReplicaSet): boolean =>
  pod.metadata?.ownerReferences?.some((o) => o.controller && o.uid === rs.metadata?.uid) ?? false;

/** Active = not terminating and not finished (controller.FilterActivePods). */
export const isActive = (pod: V1Pod): boolean =>
  !pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';

export const isReady = (pod: V1Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export interface RsPlan {
  readonly create: number;
  /** Pods to delete when there are too many: unscheduled first, then not ready, then newest. */
  readonly remove: V1Pod[];
  readonly status: V1ReplicaSetStatus;
}

const created = (p: V1Pod): number => {
  const v = p.metadata?.creationTimestamp as unknown;
  return v instanceof Date ? v.getTime() : Date.parse(String(v ?? '')) || 0;
};

export function planReplicaSet(rs: V1ReplicaSet, owned: readonly V1Pod[]): RsPlan {
  const want = rs.spec?.replicas ?? 1;
  const active = owned.filter(isActive);
  const diff = want - active.length;
  let remove: V1Pod[] = [];
  if (diff < 0) {
    const rank = (p: V1Pod) => (!p.spec?.nodeName ? 0 : !isReady(p) ? 1 : 2);
    remove = [...active].sort((a, b) => rank(a) - rank(b) || created(b) - created(a)).slice(0, -diff);
  }
  const ready = active.filter(isReady).length;
  return {
    create: Math.max(0, diff),
    remove,
    status: {
      replicas: active.length,
      readyReplicas: ready,
      availableReplicas: ready,
      fullyLabeledReplicas: active.length,
      observedGeneration: rs.metadata?.generation,
    },
  };
}

export function statusChanged(a: V1ReplicaSetStatus | undefined, b: V1ReplicaSetStatus): boolean {
  return (
    (a?.replicas ?? 0) !== b.replicas ||
    (a?.readyReplicas ?? 0) !== (b.readyReplicas ?? 0) ||
    (a?.availableReplicas ?? 0) !== (b.availableReplicas ?? 0) ||
    (a?.observedGeneration ?? 0) !== (b.observedGeneration ?? 0)
  );
}

export function podFromTemplate(rs: V1ReplicaSet): V1Pod {
  const tpl = rs.spec?.template;
  const name = rs.metadata?.name ?? 'rs';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace: rs.metadata?.namespace,
      labels: { ...(tpl?.metadata?.labels ?? {}) },
      annotations: tpl?.metadata?.annotations,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name,
          uid: rs.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(tpl?.spec ?? { containers: [] }),
  };
}
