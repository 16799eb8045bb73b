/**
 * What the lab starts where, in order (layers start in order, members of a layer in parallel):
 * haproxy + keepalived on the LBs (as system services; a single LB runs haproxy alone), the kubelet on every Kubernetes host
 * (on the control planes it runs etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler as static pods from /etc/kubernetes/manifests, as on a kubeadm node), an
 * OpenSSH sshd in every cluster host (for the ssh target), and Prometheus and Alertmanager on the
 * monitoring host (src/lab/monitoring.ts).
 */
import { bundleComponents } from './bundle.ts';
import type { LabConfig } from './config.ts';
import { clusterHosts, hostsByRole, vrrpPair } from './config.ts';
import { kubeletSpec, writeClusterFiles } from './control-plane.ts';
import { haproxySpec } from './haproxy.ts';
import { keepalivedSpec } from './keepalived.ts';
import { monitoringSpecs } from './monitoring.ts';
import { ensureLabSsh, sshdSpec } from './sshd.ts';
import type { ComponentSpec } from './supervisor.ts';

export interface Layer {
  readonly name: string;
  readonly specs: readonly ComponentSpec[];
}

/** Writes the cluster's files (kubeadm layout, kubeconfigs, bundles) and returns the layers to start. */
export async function labLayers(cfg: LabConfig): Promise<Layer[]> {
  const lbs = hostsByRole(cfg, 'lb');
  const [, cas] = await Promise.all([bundleComponents(), writeClusterFiles(cfg)]);
  const ssh = ensureLabSsh(cfg);
  const monitoring = await monitoringSpecs(cfg, cas);
  return [
    { name: 'haproxy', specs: lbs.map((h) => haproxySpec(cfg, h)) },
    // A single LB runs no keepalived: it holds the VIP itself (src/lab/network.ts).
    ...(vrrpPair(cfg) ? [{ name: 'keepalived', specs: lbs.map((h) => keepalivedSpec(cfg, h)) }] : []),
    {
      name: 'kubelet',
      specs: clusterHosts(cfg)
        .filter((h) => h.role !== 'lb')
        .map((h) => kubeletSpec(cfg, h)),
    },
    // Real OpenSSH in every host, for the ssh target (`npm run lab -- inventory`).
    { name: 'sshd', specs: clusterHosts(cfg).map((h) => sshdSpec(cfg, h, ssh)) },
    // Prometheus and Alertmanager on the monitoring host, last: their targets are up by then.
    ...(monitoring.length > 0 ? [{ name: 'monitoring', specs: monitoring }] : []),
  ];
}
