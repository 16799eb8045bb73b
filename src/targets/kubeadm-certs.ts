/**
 * The certificates of a kubeadm control plane and their expiry, read on the node as `kubeadm certs
 * check-expiration` lists them (cmd/kubeadm/app/phases/certs/renewal/manager.go: the certificates
 * kubeadm renews — apiserver, apiserver-kubelet-client, front-proxy-client, apiserver-etcd-client,
 * etcd server, peer and healthcheck-client — the client certificates embedded in admin.conf,
 * super-admin.conf (v1.29+), controller-manager.conf and scheduler.conf, and the three CAs).
 * `openssl x509 -enddate` reads each; an embedded one is decoded from its kubeconfig's
 * `client-certificate-data`. A file that is absent is said (super-admin.conf exists only on the
 * first control plane; an external etcd has no etcd certificates here), not an error.
 */

export interface KubeadmCert {
  /** The name `kubeadm certs check-expiration` prints. */
  readonly name: string;
  readonly file: string;
  readonly kind: 'cert' | 'kubeconfig';
  readonly ca?: true;
}

const PKI = '/etc/kubernetes/pki';

export const KUBEADM_CERTS: readonly KubeadmCert[] = [
  { name: 'admin.conf', file: '/etc/kubernetes/admin.conf', kind: 'kubeconfig' },
  { name: 'apiserver', file: `${PKI}/apiserver.crt`, kind: 'cert' },
  { name: 'apiserver-etcd-client', file: `${PKI}/apiserver-etcd-client.crt`, kind: 'cert' },
  { name: 'apiserver-kubelet-client', file: `${PKI}/apiserver-kubelet-client.crt`, kind: 'cert' },
  { name: 'controller-manager.conf', file: '/etc/kubernetes/controller-manager.conf', kind: 'kubeconfig' },
  { name: 'etcd-healthcheck-client', file: `${PKI}/etcd/healthcheck-client.crt`, kind: 'cert' },
  { name: 'etcd-peer', file: `${PKI}/etcd/peer.crt`, kind: 'cert' },
  { name: 'etcd-server', file: `${PKI}/etcd/server.crt`, kind: 'cert' },
  { name: 'front-proxy-client', file: `${PKI}/front-proxy-client.crt`, kind: 'cert' },
  { name: 'scheduler.conf', file: '/etc/kubernetes/scheduler.conf', kind: 'kubeconfig' },
  { name: 'super-admin.conf', file: '/etc/kubernetes/super-admin.conf', kind: 'kubeconfig' },
  { name: 'ca', file: `${PKI}/ca.crt`, kind: 'cert', ca: true },
  { name: 'etcd-ca', file: `${PKI}/etcd/ca.crt`, kind: 'cert', ca: true },
  { name: 'front-proxy-ca', file: `${PKI}/front-proxy-ca.crt`, kind: 'cert', ca: true },
];

/** Prints one line per certificate: `<name>\t<notAfter as openssl prints it>`, or `-` when absent, `!<why>` when unreadable. */
export function certExpiryScript(): string {
  const line = (c: KubeadmCert): string => {
    const read =
      c.kind === 'cert'
        ? `openssl x509 -noout -enddate -in ${c.file}`
        : `sed -n 's/^ *client-certificate-data: *//p' ${c.file} | head -n1 | base64 -d | openssl x509 -noout -enddate`;
    return `if [ -f ${c.file} ]; then e=$(${read} 2>&1) && printf '%s\\t%s\\n' '${c.name}' "\${e#notAfter=}" || printf '%s\\t!%s\\n' '${c.name}' "$(echo "$e" | head -n1)"; else printf '%s\\t-\\n' '${c.name}'; fi`;
  };
  return [
    `command -v openssl >/dev/null 2>&1 || { echo 'openssl is not installed on this host: the certificates cannot be read' >&2; exit 3; }`,
    ...KUBEADM_CERTS.map(line),
  ].join('\n');
}

export type CertExpiry =
  | { readonly name: string; readonly state: 'valid'; readonly notAfter: Date; readonly ca: boolean }
  | { readonly name: string; readonly state: 'absent' }
  | { readonly name: string; readonly state: 'unreadable'; readonly why: string };

/** The lines certExpiryScript prints (unknown names and malformed lines are skipped). */
export function parseCertExpiry(stdout: string): CertExpiry[] {
  const out: CertExpiry[] = [];
  for (const l of stdout.split('\n')) {
    const [name, value] = l.split('\t');
    const c = KUBEADM_CERTS.find((x) => x.name === name);
    if (!c || value === undefined) continue;
    if (value === '-') out.push({ name: c.name, state: 'absent' });
    else if (value.startsWith('!')) out.push({ name: c.name, state: 'unreadable', why: value.slice(1) });
    else {
      // openssl's notAfter: `Dec  1 15:16:24 2036 GMT`
      const at = Date.parse(value);
      out.push(
        Number.isNaN(at)
          ? { name: c.name, state: 'unreadable', why: `not a date: ${value}` }
          : { name: c.name, state: 'valid', notAfter: new Date(at), ca: c.ca === true },
      );
    }
  }
  return out;
}
