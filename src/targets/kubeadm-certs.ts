/**
 * The certificates of a kubeadm control plane and their expiry, read on the node as `kubeadm certs
 * check-expiration` lists them (cmd/kubeadm/app/phases/certs/renewal/manager.go: the certificates
 * kubeadm renews — apiserver, apiserver-kubelet-client, front-proxy-client, apiserver-etcd-client,
 * etcd server, peer and healthcheck-client — the client certificates embedded in admin.conf,
 * super-admin.conf (v1.29+), controller-manager.conf and scheduler.conf, and the three CAs).
 * The node prints each certificate (an embedded one decoded from its kubeconfig's
 * `client-certificate-data`); the harness reads its expiry. A file that is absent is said
 * (super-admin.conf exists only on the first control plane; an external etcd has no etcd
 * certificates here), not an error.
 * One more than kubeadm lists: `kubelet-client`, the kubelet's own rotated client certificate
 * (/var/lib/kubelet/pki/kubelet-client-current.pem, certificate and key in one file: only the
 * certificate is printed). kubeadm leaves it to the kubelet's rotation, which renews it once 70–90 %
 * of its life has passed (client-go util/certificate/certificate_manager.go nextRotationDeadline),
 * so under 30 days left means the rotation is failing — and when it expires the kubelet does not
 * start again (cert-expiry --variant kubelet-client).
 */
import { X509Certificate } from 'node:crypto';
import { KUBELET_CLIENT_PEM } from './kubeadm-kubelet-cert.ts';

export interface KubeadmCert {
  /** The name `kubeadm certs check-expiration` prints. */
  readonly name: string;
  readonly file: string;
  /** A certificate file, a kubeconfig with an embedded one, or a certificate-and-key file. */
  readonly kind: 'cert' | 'kubeconfig' | 'pem';
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
  { name: 'kubelet-client', file: KUBELET_CLIENT_PEM, kind: 'pem' },
  { name: 'scheduler.conf', file: '/etc/kubernetes/scheduler.conf', kind: 'kubeconfig' },
  { name: 'super-admin.conf', file: '/etc/kubernetes/super-admin.conf', kind: 'kubeconfig' },
  { name: 'ca', file: `${PKI}/ca.crt`, kind: 'cert', ca: true },
  { name: 'etcd-ca', file: `${PKI}/etcd/ca.crt`, kind: 'cert', ca: true },
  { name: 'front-proxy-ca', file: `${PKI}/front-proxy-ca.crt`, kind: 'cert', ca: true },
];

/**
 * Prints each certificate as a section `== <name>` followed by its PEM (certificates are public),
 * `== <name> -` when its file is absent. A kubeconfig gives only its embedded client certificate
 * (`client-certificate-data`, decoded), a certificate-and-key file only its certificate: never a key. One `cat`/`sed` per file: no openssl
 * needed on the node; the harness reads the dates (node:crypto X509Certificate).
 */
export function certExpiryScript(): string {
  const section = (c: KubeadmCert): string => {
    const read =
      c.kind === 'cert'
        ? `cat ${c.file}`
        : c.kind === 'pem'
          ? `sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' ${c.file}`
          : `sed -n 's/^ *client-certificate-data: *//p' ${c.file} | head -n1 | base64 -d 2>/dev/null`;
    return `if [ -f ${c.file} ]; then echo '== ${c.name}'; ${read}; echo; else echo '== ${c.name} -'; fi`;
  };
  return KUBEADM_CERTS.map(section).join('\n');
}

export type CertExpiry =
  | { readonly name: string; readonly state: 'valid'; readonly notAfter: Date; readonly ca: boolean }
  | { readonly name: string; readonly state: 'absent' }
  | { readonly name: string; readonly state: 'unreadable'; readonly why: string };

/** The sections certExpiryScript prints, each certificate's notAfter read by node:crypto. */
export function parseCertExpiry(stdout: string): CertExpiry[] {
  const out: CertExpiry[] = [];
  for (const part of stdout.split(/^== /m).slice(1)) {
    const nl = part.indexOf('\n');
    const head = (nl < 0 ? part : part.slice(0, nl)).trim();
    const body = nl < 0 ? '' : part.slice(nl + 1);
    const [name, absent] = head.split(' ');
    const c = KUBEADM_CERTS.find((x) => x.name === name);
    if (!c) continue;
    if (absent === '-') {
      out.push({ name: c.name, state: 'absent' });
      continue;
    }
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(body)?.[0];
    if (!pem) {
      out.push({ name: c.name, state: 'unreadable', why: 'no PEM certificate in the file' });
      continue;
    }
    try {
      const at = Date.parse(new X509Certificate(pem).validTo);
      out.push(
        Number.isNaN(at)
          ? { name: c.name, state: 'unreadable', why: 'no expiry date in the certificate' }
          : { name: c.name, state: 'valid', notAfter: new Date(at), ca: c.ca === true },
      );
    } catch (err) {
      out.push({ name: c.name, state: 'unreadable', why: (err as Error).message });
    }
  }
  return out;
}
