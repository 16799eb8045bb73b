/**
 * Certificate expiry as findings (every preflight, on each control plane and external etcd host): expired → critical
 * (a forgotten renewal "makes the whole control plane unavailable", seeds), under 30 days →
 * warning (kubeadm renews on upgrade; `kubeadm certs renew` otherwise), and one info finding per
 * host listing each certificate's remaining time, as `kubeadm certs check-expiration` prints it.
 * Pure: `now` is the wall clock the caller read (certificates expire on the wall clock).
 */
import type { CertExpiry } from '../targets/kubeadm-certs.ts';
import type { Finding } from './types.ts';

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * What renews a certificate: kubeadm for its own; the kubelet's rotation for its client
 * certificate (src/targets/kubeadm-certs.ts), which kubeadm does not renew, and which is due long
 * before 30 days are left (70–90 % of its life) — so one this close to expiry is a rotation that fails.
 */
function renewal(c: { readonly name: string; readonly ca: boolean }, externalEtcd: boolean): string {
  if (c.ca) return 'kubeadm does not renew a CA: replace it and reissue what it signed';
  if (externalEtcd)
    return `reissue it from the etcd CA and restart the member: kubeadm does not renew an external etcd host's certificates (its HA etcd guide: "kubeadm does not plan to support certificate rotation or upgrades for such nodes")`;
  if (c.name === 'kubelet-client')
    return "the kubelet's rotation has not renewed it: check the kubelet's log and its CSRs (kubectl get csr); once expired the kubelet does not start again (kubeadm troubleshooting: kubelet client certificate rotation fails)";
  return `renew it (kubeadm certs renew ${c.name})`;
}

/** The certificates of a stacked etcd member, which a control plane with external etcd has not. */
const MEMBER_CERTS = new Set(['etcd-server', 'etcd-peer', 'etcd-healthcheck-client']);

export interface CertHostKinds {
  /** External etcd hosts: only etcd's certificates and an apiserver-etcd-client pair (nothing else is "absent"). */
  readonly externalEtcd?: ReadonlySet<string>;
  /** Control planes without an etcd member (external etcd): its certificates are not "absent" there. */
  readonly noMember?: ReadonlySet<string>;
}

export function certFindings(
  byHost: ReadonlyMap<string, readonly CertExpiry[]>,
  now: Date,
  kinds: CertHostKinds = {},
): Finding[] {
  const out: Finding[] = [];
  for (const [host, certs] of byHost) {
    const etcdHost = kinds.externalEtcd?.has(host) ?? false;
    const noMember = kinds.noMember?.has(host) ?? false;
    const parts: string[] = [];
    for (const c of certs) {
      if (c.state === 'absent') continue;
      if (c.state === 'unreadable') {
        parts.push(`${c.name} unreadable (${c.why})`);
        out.push({
          id: `cert-unreadable:${host}:${c.name}`,
          severity: 'warning',
          message: `${host}: ${c.name} could not be read: ${c.why}`,
        });
        continue;
      }
      const days = Math.floor((c.notAfter.getTime() - now.getTime()) / DAY_MS);
      const date = c.notAfter.toISOString().slice(0, 10);
      parts.push(`${c.name} ${days} d (${date})`);
      const what = `${host}: ${c.ca ? 'CA ' : ''}certificate ${c.name}`;
      if (c.notAfter.getTime() <= now.getTime())
        out.push({
          id: `cert-expired:${host}:${c.name}`,
          severity: 'critical',
          message: `${what} expired on ${date}: ${renewal(c, etcdHost)}`,
        });
      else if (days < EXPIRY_WARNING_DAYS)
        out.push({
          id: `cert-expiring:${host}:${c.name}`,
          severity: 'warning',
          message: `${what} expires in ${days} day(s), on ${date} (under ${EXPIRY_WARNING_DAYS}): ${c.name === 'kubelet-client' ? renewal(c, etcdHost) : 'renew it before then'}`,
        });
    }
    const absent = etcdHost
      ? []
      : certs
          .filter((c) => c.state === 'absent' && !(noMember && MEMBER_CERTS.has(c.name)))
          .map((c) => c.name);
    out.push({
      id: `cert-expiry:${host}`,
      severity: 'info',
      message: `${host} certificates: ${parts.join(', ') || 'none found'}${absent.length ? `; absent: ${absent.join(', ')}` : ''}`,
    });
  }
  return out;
}
