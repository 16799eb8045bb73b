/**
 * What the lab starts where, in order (layers start in order, members of a layer in parallel):
 * haproxy + keepalived on the LBs (as system services), the kubelet on every Kubernetes host
 * (on the control planes it runs etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler as static pods from /etc/kubernetes/manifests, as on a kubeadm node), and an
 * OpenSSH sshd in every host (for the ssh target).
 */
import { bundleComponents } from './bundle.ts';
import type { LabConfig } from './config.ts';
import { hostsByRole } from './config.ts';
import { kubeletSpec, writeClusterFiles } from './control-plane.ts';
import { haproxySpec } from './haproxy.ts';
import { keepalivedSpec } from './keepalived.ts';
import { ensureLabSsh, sshdSpec } from './sshd.ts';
import type { ComponentSpec } from './supervisor.ts';

export interface Layer {
  readonly name: string;
  readonly specs: readonly ComponentSpec[];
}

/** Writes the cluster's files (kubeadm layout, kubeconfigs, bundles) and returns the layers to start. */
export async function labLayers(cfg: LabConfig): Promise<Layer[]> {
  const lbs = hostsByRole(cfg, 'lb');
  await Promise.all([bundleComponents(), writeClusterFiles(cfg)]);
  const ssh = ensureLabSsh(cfg);
  return [
    { name: 'haproxy', specs: lbs.map((h) => haproxySpec(cfg, h)) },
    { name: 'keepalived', specs: lbs.map((h) => keepalivedSpec(cfg, h)) },
    {
      name: 'kubelet',
      specs: cfg.hosts.filter((h) => h.role !== 'lb').map((h) => kubeletSpec(cfg, h)),
    },
    // Real OpenSSH in every host, for the ssh target (`npm run lab -- inventory`).
    { name: 'sshd', specs: cfg.hosts.map((h) => sshdSpec(cfg, h, ssh)) },
  ];
}
