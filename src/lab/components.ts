/**
 * What the lab starts where, in order (layers start in order, members of a layer in parallel):
 * keepalived on the LBs (a system service; a single LB runs none), the kubelet on every
 * Kubernetes host (on the control planes it runs etcd, kube-apiserver, kube-controller-manager
 * and kube-scheduler as static pods from /etc/kubernetes/manifests, as on a kubeadm node), an
 * OpenSSH sshd in every cluster host (for the ssh target), Prometheus and Alertmanager on the
 * monitoring host (src/lab/monitoring.ts), and haproxy on the LBs once every apiserver answers
 * its health check.
 *
 * Why haproxy after the apiservers: a server whose first check fails is DOWN at once and needs
 * `rise` good checks `inter` apart to come back (haproxy 2.6 src/check.c: a server starts with
 * its health at `rise`, the lowest UP value, so one failure takes it DOWN; 2.6 has no
 * `init-state`). Started with the kubelets, every backend was DOWN until 2–4 s after its
 * apiserver was ready (seeds: rise 2, inter 2 s), and the kubelets' Node registration, retried
 * with upstream's doubling backoff (pkg/kubelet/kubelet_node_status.go registerWithAPIServer:
 * 0.1 s doubling to 7 s), then waited for its next try: `lab up` took 9.3 s or 13 s depending on
 * which try the LB's rise let through (2026-12-03, six runs: 12.4–13.6 s five times). The steady
 * lab is the same: haproxy with every backend UP, and keepalived's check_apiserver.sh (fall 10 ×
 * 3 s; fast: 2 × 1 s, on both LBs alike) never sees the short wait.
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
  /** What must hold before the layer starts (src/lab/lab.ts `up`): none, or every apiserver's /readyz 200. */
  readonly after?: 'apiservers-ready';
}

/** Writes the cluster's files (kubeadm layout, kubeconfigs, bundles) and returns the layers to start. */
export async function labLayers(cfg: LabConfig): Promise<Layer[]> {
  const lbs = hostsByRole(cfg, 'lb');
  const [, cas] = await Promise.all([bundleComponents(), writeClusterFiles(cfg)]);
  const ssh = ensureLabSsh(cfg);
  const monitoring = await monitoringSpecs(cfg, cas);
  return [
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
    // Prometheus and Alertmanager on the monitoring host before haproxy waits: Prometheus knows
    // its Alertmanager only 5 s after its start (discovery/manager.go updatert), which `lab up`
    // waits for (monitoring.ts waitMonitoring); a target down at its first scrape is scraped again
    // every interval.
    ...(monitoring.length > 0 ? [{ name: 'monitoring', specs: monitoring }] : []),
    { name: 'haproxy', specs: lbs.map((h) => haproxySpec(cfg, h)), after: 'apiservers-ready' as const },
  ];
}
