/**
 * What runs where in the lab, in start order (layers start in order, members of a layer in
 * parallel): etcd on the control planes, haproxy + keepalived on the LBs, then the Kubernetes
 * control plane (apiservers, controller-managers and schedulers), the workers' kubelets, and an
 * OpenSSH sshd in every host (for the ssh target).
 */
import { bundleComponents } from './bundle.ts';
import type { LabConfig } from './config.ts';
import { hostsByRole } from './config.ts';
import { kubeletSpec, staticPodSpec, writeClusterFiles } from './control-plane.ts';
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
  const cps = hostsByRole(cfg, 'control-plane');
  const lbs = hostsByRole(cfg, 'lb');
  await Promise.all([bundleComponents(), writeClusterFiles(cfg)]);
  const ssh = ensureLabSsh(cfg);
  return [
    { name: 'etcd', specs: cps.map((h) => staticPodSpec(cfg, h, 'etcd')) },
    { name: 'haproxy', specs: lbs.map((h) => haproxySpec(cfg, h)) },
    { name: 'keepalived', specs: lbs.map((h) => keepalivedSpec(cfg, h)) },
    { name: 'kube-apiserver', specs: cps.map((h) => staticPodSpec(cfg, h, 'kube-apiserver')) },
    {
      name: 'controllers',
      specs: [
        ...cps.map((h) => staticPodSpec(cfg, h, 'kube-controller-manager')),
        ...cps.map((h) => staticPodSpec(cfg, h, 'kube-scheduler')),
      ],
    },
    { name: 'kubelet', specs: hostsByRole(cfg, 'worker').map((h) => kubeletSpec(cfg, h)) },
    // Real OpenSSH in every host, for the ssh target (`npm run lab -- inventory`).
    { name: 'sshd', specs: cfg.hosts.map((h) => sshdSpec(cfg, h, ssh)) },
  ];
}
