/**
 * The kubeconfig files kubeadm writes in /etc/kubernetes, with a client certificate signed by the
 * cluster CA embedded (CN = user, O = groups; clientAuth). Source: kubernetes/kubernetes
 * cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go getKubeConfigSpecsBase and
 * cmd/kubeadm/app/util/kubeconfig/kubeconfig.go CreateWithCerts (cluster = clusterName,
 * user = client name, context `<user>@<cluster>`):
 *   admin.conf               kubernetes-admin, O=kubeadm:cluster-admins   -> controlPlaneEndpoint
 *   super-admin.conf         kubernetes-super-admin, O=system:masters     -> controlPlaneEndpoint
 *                            (`kubeadm init` only: CreateJoinControlPlaneKubeConfigFiles writes
 *                            admin, controller-manager and scheduler, not super-admin)
 *   controller-manager.conf  system:kube-controller-manager              -> local advertise address
 *   scheduler.conf           system:kube-scheduler                        -> local advertise address
 *   kubelet.conf             system:node:<node>, O=system:nodes           -> see KubeletServer
 *                            (embedded certificate, as `kubeadm init` writes it before the
 *                            kubelet-finalize phase points it at the rotated certificate)
 * As kubeadm's createKubeConfigFileIfNotExists, an existing file is kept.
 */
import { access, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureLeaf, writeKubeconfig } from '../pki/index.ts';
import {
  ADMIN_CONF,
  CLUSTER_ADMINS_GROUP,
  CLUSTER_NAME,
  CONTROLLER_MANAGER_CONF,
  KUBELET_CONF,
  KUBERNETES_DIR,
  SCHEDULER_CONF,
  SUPER_ADMIN_CONF,
  SYSTEM_PRIVILEGED_GROUP,
} from './constants.ts';
import type { KubeadmCas } from './pki.ts';

/**
 * Where kubelet.conf points on a control plane. `controlPlaneEndpoint` (the lab's default, as
 * issue 11 asks): the VIP, what `kubeadm init` writes and what `kubeadm join --control-plane`
 * writes with the ControlPlaneKubeletLocalMode feature gate off. `local`: the node's own
 * apiserver, what join writes with the gate on (KEP-4471, kubernetes/enhancements#4471: alpha
 * v1.31, beta v1.33; cmd/kubeadm/app/features/features.go).
 */
export type KubeletServer = 'local' | 'controlPlaneEndpoint';

export interface KubeconfigHostSpec {
  readonly name: string;
  readonly ip: string;
  readonly apiPort: number;
  /** The VIP. */
  readonly controlPlaneEndpoint: string;
  /** The first control plane, set up by `kubeadm init` (gets super-admin.conf). */
  readonly init: boolean;
  readonly kubeletServer: KubeletServer;
}

interface Spec {
  readonly file: string;
  readonly user: string;
  readonly groups: readonly string[];
  readonly server: string;
}

export function kubeconfigSpecs(h: KubeconfigHostSpec): Spec[] {
  const cpe = `https://${h.controlPlaneEndpoint}:${h.apiPort}`;
  const local = `https://${h.ip}:${h.apiPort}`;
  return [
    { file: ADMIN_CONF, user: 'kubernetes-admin', groups: [CLUSTER_ADMINS_GROUP], server: cpe },
    ...(h.init
      ? [
          {
            file: SUPER_ADMIN_CONF,
            user: 'kubernetes-super-admin',
            groups: [SYSTEM_PRIVILEGED_GROUP],
            server: cpe,
          },
        ]
      : []),
    { file: CONTROLLER_MANAGER_CONF, user: 'system:kube-controller-manager', groups: [], server: local },
    { file: SCHEDULER_CONF, user: 'system:kube-scheduler', groups: [], server: local },
    {
      file: KUBELET_CONF,
      user: `system:node:${h.name}`,
      groups: ['system:nodes'],
      server: h.kubeletServer === 'local' ? local : cpe,
    },
  ];
}

const exists = (f: string) =>
  access(f).then(
    () => true,
    () => false,
  );

/** Writes the kubeconfig files of one host under `<root>/etc/kubernetes` (mode 0600). */
export async function writeHostKubeconfigs(
  root: string,
  cas: KubeadmCas,
  h: KubeconfigHostSpec,
): Promise<string[]> {
  // Beside the host's root (in the lab's state directory, which `lab down` removes), not in /tmp:
  // a `lab up` killed mid-way must not leave client keys behind where nothing cleans them.
  const work = await mkdtemp(path.join(path.dirname(root), '.kubeconfig-'));
  const written: string[] = [];
  try {
    for (const s of kubeconfigSpecs(h)) {
      const file = path.join(root, KUBERNETES_DIR, s.file);
      written.push(file);
      if (await exists(file)) continue;
      const base = s.file.replace(/\.conf$/, '');
      const cert = await ensureLeaf(work, cas.ca, {
        name: base,
        cn: s.user,
        groups: s.groups,
        usage: 'client',
        days: 365,
      });
      await writeKubeconfig(file, {
        server: s.server,
        caFile: cas.ca.cert,
        clientCert: cert.cert,
        clientKey: cert.key,
        clusterName: CLUSTER_NAME,
        userName: s.user,
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return written;
}
