/**
 * Pure pod decisions of the kubelet agent: what to do with a pod bound to this node, and the status of
 * a "running" pod (no containers really run: the lab fakes the runtime, the API sees a Running pod).
 */
import type { V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

export type PodAction =
  /** marked for deletion: finish it with gracePeriodSeconds 0 */
  | 'delete'
  /** new pod: make it Running/Ready after the start delay */
  | 'start'
  /** already Running but its status is not what the kubelet reports (e.g. Ready=False set by the NLC) */
  | 'repost'
  | 'none';

const TERMINAL = new Set(['Succeeded', 'Failed']);

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function podAction(pod: V1Pod, nodeName: string): PodAction {
  if (pod.spec?.nodeName !== nodeName) return 'none';
  if (pod.metadata?.deletionTimestamp) return 'delete';
  const phase = pod.status?.phase;
  if (phase && TERMINAL.has(phase)) return 'none';
  if (phase !== 'Running') return 'start';
  return isPodReady(pod) ? 'none' : 'repost';
}

/** Deterministic fake pod IP from the node's IP last octet and a per-node counter: 10.244.<octet>.<n>. */
export function podIp(nodeIp: string, n: number): string {
  const octet = Number(nodeIp.split('.')[3] ?? '0') % 256;
  return `10.244.${octet}.${(n % 253) + 2}`;
}

const asDate = (v: unknown, fallback: Date): Date => {
  if (v instanceof Date) return v;
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return new Date(v);
  return fallback;
};

/** The status the kubelet posts for a running pod: Running, all four conditions True, containers running. */
export function runningStatus(pod: V1Pod, hostIp: string, ip: string, now: Date): V1PodStatus {
  const prev = pod.status;
  const startTime = asDate(prev?.startTime, now);
  const cond = (type: string): V1PodCondition => {
    const old = prev?.conditions?.find((c) => c.type === type);
    const keep = old?.status === 'True';
    return {
      type,
      status: 'True',
      lastProbeTime: undefined,
      lastTransitionTime: keep ? asDate(old?.lastTransitionTime, now) : now,
    };
  };
  const containers = pod.spec?.containers ?? [];
  return {
    ...prev,
    phase: 'Running',
    hostIP: hostIp,
    hostIPs: [{ ip: hostIp }],
    podIP: prev?.podIP || ip,
    podIPs: [{ ip: prev?.podIP || ip }],
    startTime,
    conditions: [
      cond('PodReadyToStartContainers'),
      cond('Initialized'),
      cond('Ready'),
      cond('ContainersReady'),
      cond('PodScheduled'),
    ],
    containerStatuses: containers.map((c) => {
      const old = prev?.containerStatuses?.find((s) => s.name === c.name);
      return {
        name: c.name,
        image: c.image ?? '',
        imageID: `lab://${c.image ?? ''}`,
        containerID: old?.containerID ?? `lab://${pod.metadata?.uid ?? ''}-${c.name}`,
        ready: true,
        started: true,
        restartCount: old?.restartCount ?? 0,
        state: { running: { startedAt: asDate(old?.state?.running?.startedAt, now) } },
      };
    }),
  };
}
