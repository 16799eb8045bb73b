/**
 * Pure Node and Lease shapes the kubelet agent posts: the registration object (labels, addresses,
 * capacity, conditions), the heartbeat (Ready=True with a fresh lastHeartbeatTime, lastTransitionTime
 * kept while the status does not change) and the kube-node-lease/<node> Lease.
 */
import type { V1Lease, V1Node, V1NodeCondition, V1Taint } from '@kubernetes/client-node';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const ZONE = 'lab';
export const KUBELET_VERSION = 'v1.32.0-lab';

export interface NodeIdentity {
  readonly name: string;
  readonly ip: string;
  /** --register-with-taints: set on the Node when the kubelet creates it (kubeadm: the control-plane NoSchedule taint). */
  readonly taints?: readonly V1Taint[];
}

const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/**
 * --register-with-taints `key[=value]:Effect,...` (kubernetes/kubernetes pkg/util/taints/taints.go
 * parseTaint); throws naming the bad entry.
 */
export function parseTaints(spec: string): V1Taint[] {
  if (!spec.trim()) return [];
  return spec.split(',').map((entry) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(.+)$/.exec(entry.trim());
    if (!m?.[1] || !EFFECTS.has(m[3] ?? ''))
      throw new Error(
        `--register-with-taints: '${entry}' is not key[=value]:NoSchedule|PreferNoSchedule|NoExecute`,
      );
    return { key: m[1], ...(m[2] ? { value: m[2] } : {}), effect: m[3] as string };
  });
}

interface ConditionSpec {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

const HEALTHY: readonly ConditionSpec[] = [
  {
    type: 'MemoryPressure',
    status: 'False',
    reason: 'KubeletHasSufficientMemory',
    message: 'kubelet has sufficient memory available',
  },
  {
    type: 'DiskPressure',
    status: 'False',
    reason: 'KubeletHasNoDiskPressure',
    message: 'kubelet has no disk pressure',
  },
  {
    type: 'PIDPressure',
    status: 'False',
    reason: 'KubeletHasSufficientPID',
    message: 'kubelet has sufficient PID available',
  },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

/**
 * The kubelet's conditions at `now`: every condition gets a fresh heartbeat; the transition time moves
 * only when the status changes (e.g. Unknown, set by the node lifecycle controller, back to True).
 */
export function heartbeatConditions(
  existing: readonly V1NodeCondition[] | undefined,
  now: Date,
): V1NodeCondition[] {
  const out: V1NodeCondition[] = [];
  for (const c of HEALTHY) {
    const prev = existing?.find((e) => e.type === c.type);
    const sameStatus =
      prev !== undefined && prev.status === c.status && prev.lastTransitionTime !== undefined;
    out.push({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastHeartbeatTime: now,
      lastTransitionTime: sameStatus ? new Date(prev.lastTransitionTime as unknown as string) : now,
    });
  }
  // keep any condition the kubelet does not own
  for (const e of existing ?? []) if (!HEALTHY.some((c) => c.type === e.type)) out.push(e);
  return out;
}

export function nodeObject(id: NodeIdentity, now: Date): V1Node {
  const resources = { cpu: '2', memory: '4Gi', pods: '110', 'ephemeral-storage': '20Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      labels: {
        'kubernetes.io/hostname': id.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': ZONE,
      },
    },
    spec: id.taints?.length ? { taints: [...id.taints] } : {},
    status: {
      addresses: [
        { type: 'InternalIP', address: id.ip },
        { type: 'Hostname', address: id.name },
      ],
      capacity: resources,
      allocatable: resources,
      conditions: heartbeatConditions(undefined, now),
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'lab://0.1',
        kernelVersion: '',
        kubeProxyVersion: '',
        kubeletVersion: KUBELET_VERSION,
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'ha-drill lab',
        systemUUID: '',
      },
    },
  };
}

/** The node Lease as upstream's nodelease controller writes it (owned by the Node). */
export function nodeLease(
  nodeName: string,
  durationS: number,
  renewTime: Date,
  owner?: { uid?: string },
): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      ...(owner?.uid
        ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: owner.uid }] }
        : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationS, renewTime: renewTime },
  };
}
