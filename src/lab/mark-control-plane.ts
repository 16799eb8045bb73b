/**
 * kubeadm's mark-control-plane phase, run by `lab up` once a control plane's kubelet has
 * registered its Node: the labels `node-role.kubernetes.io/control-plane: ""` and
 * `node.kubernetes.io/exclude-from-external-load-balancers: ""`, and the control-plane taint
 * merged into the Node's taints (kubernetes/kubernetes
 * cmd/kubeadm/app/phases/markcontrolplane/markcontrolplane.go markControlPlaneNode, through
 * apiclient.PatchNode). The kubelet already registered with the taint (--register-with-taints,
 * control-plane.ts), so the taint is normally there.
 */
import type { V1Node, V1Taint } from '@kubernetes/client-node';
import type { KubeAccess } from '../probes/kube.ts';
import { waitFor } from '../util/time.ts';

export const CONTROL_PLANE_LABELS = [
  'node-role.kubernetes.io/control-plane',
  'node.kubernetes.io/exclude-from-external-load-balancers',
] as const;

export const CONTROL_PLANE_NODE_TAINT: V1Taint = {
  key: 'node-role.kubernetes.io/control-plane',
  effect: 'NoSchedule',
};

/** The Node with kubeadm's control-plane labels and taint; undefined when nothing changes. */
export function markedNode(n: V1Node): V1Node | undefined {
  const labels = { ...(n.metadata?.labels ?? {}) };
  const taints = [...(n.spec?.taints ?? [])];
  let changed = false;
  for (const l of CONTROL_PLANE_LABELS)
    if (labels[l] !== '') {
      labels[l] = '';
      changed = true;
    }
  const t = CONTROL_PLANE_NODE_TAINT;
  if (!taints.some((x) => x.key === t.key && x.effect === t.effect && (x.value ?? '') === '')) {
    taints.unshift(t);
    changed = true;
  }
  if (!changed) return undefined;
  return { ...n, metadata: { ...n.metadata, labels }, spec: { ...n.spec, taints } };
}

/** Waits for the Node to be registered, then marks it (read, update with its resourceVersion, retry on conflict). */
export async function markControlPlane(
  kube: KubeAccess,
  apiUrl: string,
  node: string,
  timeoutMs: number,
): Promise<void> {
  const url = `${apiUrl}/api/v1/nodes/${node}`;
  await waitFor(
    async () => {
      const r = await kube.get(url, { timeoutMs: 3000, keepBody: true });
      if (!r.ok) throw new Error(`GET node ${node}: ${r.status ?? r.error}`);
      const next = markedNode(JSON.parse(r.body ?? '{}') as V1Node);
      if (!next) return true;
      const w = await kube.request('PUT', url, { timeoutMs: 3000, body: next });
      if (!w.ok) throw new Error(`update node ${node}: ${w.status ?? w.error}`);
      return true;
    },
    { timeoutMs, intervalMs: 200, what: `control-plane node ${node} to be registered and marked` },
  );
}
