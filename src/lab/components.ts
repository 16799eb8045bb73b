/**
 * What runs where in the lab, in start order (layers start in order, members of a layer in
 * parallel): etcd on the control planes, haproxy + keepalived on the LBs, then the Kubernetes
 * control plane (apiservers, controller-managers and schedulers), the workers' kubelets, and an
 * OpenSSH sshd in every host (for the ssh target).
 */
import path from 'node:path';
import { bundleComponents } from './bundle.ts';
import type { LabConfig } from './config.ts';
import { hostsByRole } from './config.ts';
import {
  apiserverSpec,
  controllerManagerSpec,
  ensureControlPlanePki,
  kubeletSpec,
  schedulerSpec,
} from './control-plane.ts';
import { etcdSpec } from './etcd.ts';
import { haproxySpec } from './haproxy.ts';
import { keepalivedSpec } from './keepalived.ts';
import { ensureLabSsh, sshdSpec } from './sshd.ts';
import type { ComponentSpec } from './supervisor.ts';

export interface Layer {
  readonly name: string;
  readonly specs: readonly ComponentSpec[];
}

export async function labLayers(cfg: LabConfig): Promise<Layer[]> {
  const cps = hostsByRole(cfg, 'control-plane');
  const lbs = hostsByRole(cfg, 'lb');
  const [pki] = await Promise.all([ensureControlPlanePki(cfg), bundleComponents()]);
  const ssh = ensureLabSsh(cfg);
  return [
    { name: 'etcd', specs: cps.map((h) => etcdSpec(cfg, h)) },
    { name: 'haproxy', specs: lbs.map((h) => haproxySpec(cfg, h)) },
    {
      name: 'keepalived',
      specs: lbs.map((h) => keepalivedSpec(cfg, h, path.join(cfg.stateDir, h.name, 'haproxy.pid'))),
    },
    { name: 'kube-apiserver', specs: cps.map((h) => apiserverSpec(cfg, pki, h)) },
    {
      name: 'controllers',
      specs: [...cps.map((h) => controllerManagerSpec(cfg, h)), ...cps.map((h) => schedulerSpec(cfg, h))],
    },
    { name: 'kubelet', specs: hostsByRole(cfg, 'worker').map((h) => kubeletSpec(cfg, h)) },
    // Real OpenSSH in every host, for the ssh target (`npm run lab -- inventory`).
    { name: 'sshd', specs: cfg.hosts.map((h) => sshdSpec(cfg, h, ssh)) },
  ];
}
