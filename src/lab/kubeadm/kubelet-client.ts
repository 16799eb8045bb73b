/**
 * The kubelet's client certificate as a kubeadm node has it once the kubelet has its own: a
 * rotated certificate under /var/lib/kubelet/pki, and /etc/kubernetes/kubelet.conf pointing at it.
 * A joined node gets it by TLS bootstrapping (the kubelet writes kubelet.conf itself,
 * pkg/kubelet/certificate/bootstrap/bootstrap.go writeKubeconfigFromBootstrapping); on the first
 * control plane `kubeadm init phase kubelet-finalize enable-client-cert-rotation` replaces the
 * embedded certificate of kubelet.conf by the same file (cmd/kubeadm/app/phases/kubelet/
 * kubeletfinalize.go: ClientCertificate = ClientKey = the pem path, the data fields cleared). Either
 * way (kubeadm troubleshooting, "Kubelet client certificate rotation fails"):
 *   /var/lib/kubelet/pki/kubelet-client-<YYYY-MM-DD-HH-MM-SS>.pem   certificate, then key (0600)
 *   /var/lib/kubelet/pki/kubelet-client-current.pem                 symlink to it (absolute)
 * as client-go's file store writes them (k8s.io/client-go/util/certificate/certificate_store.go
 * `Update`: `<pairNamePrefix>-<timestamp>.pem`, then the `-current.pem` symlink). The lab issues
 * it with the cluster CA, which is what the controller-manager's signer uses
 * (--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt), for `system:node:<node>` in
 * `system:nodes`, client auth, one year (--cluster-signing-duration 8760h).
 * Idempotent: an existing current certificate is kept, kubelet.conf is pointed at it again.
 */
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ensureLeaf } from '../pki/index.ts';
import { KUBELET_CONF, KUBELET_DIR, KUBERNETES_DIR } from './constants.ts';
import type { KubeadmCas } from './pki.ts';

export const KUBELET_PKI_DIR = `${KUBELET_DIR}/pki`;
export const KUBELET_CLIENT_CURRENT = `${KUBELET_PKI_DIR}/kubelet-client-current.pem`;

/** certificate_store.go's timestamp in a pem name: `2006-01-02-15-04-05` (UTC here). */
export const pemTimestamp = (d: Date): string => d.toISOString().slice(0, 19).replace(/[T:]/g, '-');

const exists = (f: string) =>
  lstat(f).then(
    () => true,
    () => false,
  );

/**
 * Under `root` (a host's root on the machine): the node's rotated client certificate (made when
 * there is none) and kubelet.conf pointing at it: the one kubeadm wrote, its user changed as
 * kubelet-finalize does, or, with `bootstrap` (a joined worker: kubeadm wrote none), the one the
 * kubelet writes after its TLS bootstrap (bootstrap.go writeKubeconfigFromBootstrapping: cluster
 * `default-cluster` with the server and CA, user `default-auth`, context `default-context` in
 * namespace `default`). Returns the node paths of the symlink and of the file it points at.
 */
export async function finalizeKubeletClient(
  root: string,
  cas: KubeadmCas,
  node: string,
  bootstrap?: { readonly server: string },
  now = new Date(),
): Promise<[string, string]> {
  const at = (p: string) => path.join(root, p);
  const current = at(KUBELET_CLIENT_CURRENT);
  if (!(await exists(current))) {
    const work = await mkdtemp(path.join(path.dirname(root), '.kubelet-client-'));
    try {
      const pair = await ensureLeaf(work, cas.ca, {
        name: 'kubelet-client',
        cn: `system:node:${node}`,
        groups: ['system:nodes'],
        usage: 'client',
        days: 365,
      });
      const pem = path.posix.join(KUBELET_PKI_DIR, `kubelet-client-${pemTimestamp(now)}.pem`);
      await mkdir(at(KUBELET_PKI_DIR), { recursive: true });
      const both = Buffer.concat([await readFile(pair.cert), await readFile(pair.key)]);
      await writeFile(at(pem), both, { mode: 0o600 });
      await symlink(pem, current);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  const conf = at(path.posix.join(KUBERNETES_DIR, KUBELET_CONF));
  if (bootstrap && !(await exists(conf))) {
    await mkdir(path.dirname(conf), { recursive: true });
    const doc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'default-cluster',
          cluster: {
            server: bootstrap.server,
            'certificate-authority-data': (await readFile(cas.ca.cert)).toString('base64'),
          },
        },
      ],
      contexts: [
        {
          name: 'default-context',
          context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' },
        },
      ],
      'current-context': 'default-context',
      preferences: {},
      users: [
        {
          name: 'default-auth',
          user: { 'client-certificate': KUBELET_CLIENT_CURRENT, 'client-key': KUBELET_CLIENT_CURRENT },
        },
      ],
    };
    await writeFile(conf, YAML.stringify(doc), { mode: 0o600 });
  } else {
    const doc = YAML.parse(await readFile(conf, 'utf8')) as {
      users?: { name: string; user: Record<string, unknown> }[];
    };
    for (const u of doc.users ?? []) {
      delete u.user['client-certificate-data'];
      delete u.user['client-key-data'];
      u.user['client-certificate'] = KUBELET_CLIENT_CURRENT;
      u.user['client-key'] = KUBELET_CLIENT_CURRENT;
    }
    await writeFile(conf, YAML.stringify(doc), { mode: 0o600 });
  }
  return [KUBELET_CLIENT_CURRENT, await readlink(current)];
}
