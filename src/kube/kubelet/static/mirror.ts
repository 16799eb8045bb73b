/**
 * Mirror pods: the API's view of this node's static pods.
 *
 * kubernetes/kubernetes pkg/kubelet/pod/mirror_client.go: CreateMirrorPod copies the static pod,
 * adds kubernetes.io/config.mirror = the config hash and a controller ownerReference to the Node
 * (AlreadyExists with the same hash is success); DeleteMirrorPod deletes with gracePeriodSeconds 0
 * and a UID precondition (not found / conflict is not an error). pkg/kubelet/kubelet.go SyncPod:
 * a mirror pod that is being deleted (deletionTimestamp) or is not the mirror of the current static
 * pod (IsMirrorPodOf: same hash) is deleted and created again, so `kubectl delete` of a mirror pod
 * brings it back at once and never stops the static pod's containers.
 * pkg/kubelet/kubelet_pods.go HandlePodCleanups (deleteOrphanedMirrorPods): a mirror pod whose
 * static pod is gone is deleted. The status is what pkg/kubelet/status/status_manager.go posts:
 * phase, conditions, hostIP/podIP (hostNetwork: the node's IP), containerStatuses.
 */
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';
import { CONFIG_HASH, CONFIG_MIRROR, type StaticPod } from './manifest.ts';

export const isMirrorPod = (p: V1Pod): boolean => p.metadata?.annotations?.[CONFIG_MIRROR] !== undefined;

/** pkg/kubelet/pod/pod_manager.go IsMirrorPodOf. */
export function isMirrorPodOf(mirror: V1Pod, sp: StaticPod): boolean {
  return (
    mirror.metadata?.name === sp.pod.metadata?.name &&
    mirror.metadata?.namespace === sp.pod.metadata?.namespace &&
    mirror.metadata?.annotations?.[CONFIG_MIRROR] === sp.pod.metadata?.annotations?.[CONFIG_HASH]
  );
}

export function mirrorPodFor(sp: StaticPod, node: { name: string; uid: string }): V1Pod {
  const m = sp.pod.metadata ?? {};
  const { uid: _uid, ...meta } = m;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta,
      annotations: { ...m.annotations, [CONFIG_MIRROR]: m.annotations?.[CONFIG_HASH] ?? sp.uid },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }],
    },
    spec: sp.pod.spec,
  };
}

const ms = (v: unknown): number =>
  v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN;

/** pkg/kubelet/kubelet_pods.go getPhase, for the cases a static pod reaches. */
export function podPhase(restartPolicy: string, cs: readonly V1ContainerStatus[]): string {
  const running = cs.filter((c) => c.state?.running).length;
  const waiting = cs.filter((c) => c.state?.waiting).length;
  const terminated = cs.filter((c) => c.state?.terminated);
  const restarted = cs.filter((c) => c.state?.waiting && c.lastState?.terminated).length;
  if (waiting > restarted) return 'Pending';
  if (running > 0 || restarted > 0) return 'Running';
  if (terminated.length === cs.length && cs.length > 0) {
    if (restartPolicy === 'Always') return 'Running';
    return terminated.every((c) => c.state?.terminated?.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  return 'Pending';
}

/** The status to post for `sp` now; condition transition times are kept from `prev` while unchanged. */
export function mirrorStatus(
  sp: StaticPod,
  cs: V1ContainerStatus[],
  nodeIp: string,
  startedAt: Date,
  prev: V1PodStatus | undefined,
  now: Date,
): V1PodStatus {
  const ready = cs.length > 0 && cs.every((c) => c.ready);
  const cond = (type: string, ok: boolean, reason?: string): V1PodCondition => {
    const status = ok ? 'True' : 'False';
    const old = prev?.conditions?.find((c) => c.type === type);
    const keep = old?.status === status && !Number.isNaN(ms(old?.lastTransitionTime));
    return {
      type,
      status,
      ...(reason && !ok ? { reason } : {}),
      lastTransitionTime: keep ? new Date(ms(old?.lastTransitionTime)) : now,
    };
  };
  return {
    phase: podPhase(sp.pod.spec?.restartPolicy ?? 'Always', cs),
    hostIP: nodeIp,
    hostIPs: [{ ip: nodeIp }],
    podIP: nodeIp,
    podIPs: [{ ip: nodeIp }],
    startTime: startedAt,
    qosClass: 'Burstable',
    conditions: [
      cond('PodReadyToStartContainers', true),
      cond('Initialized', true),
      cond('Ready', ready, 'ContainersNotReady'),
      cond('ContainersReady', ready, 'ContainersNotReady'),
      cond('PodScheduled', true),
    ],
    containerStatuses: cs,
  };
}

/** What the kubelet reports, without the times that the API may re-serialize: equal means no post is needed. */
export function statusKey(s: V1PodStatus | undefined): string {
  return JSON.stringify({
    phase: s?.phase,
    podIP: s?.podIP,
    conditions: (s?.conditions ?? []).map((c) => [c.type, c.status]),
    containers: (s?.containerStatuses ?? []).map((c) => [
      c.name,
      c.ready,
      c.started,
      c.restartCount,
      Object.keys(c.state ?? {})[0],
      c.state?.waiting?.reason,
      ms(c.state?.running?.startedAt),
    ]),
  });
}
