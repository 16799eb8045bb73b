/**
 * Certificate expiry as findings (every preflight, on each control plane): expired → critical
 * (a forgotten renewal "makes the whole control plane unavailable", seeds), under 30 days →
 * warning (kubeadm renews on upgrade; `kubeadm certs renew` otherwise), and one info finding per
 * host listing each certificate's remaining time, as `kubeadm certs check-expiration` prints it.
 * Pure: `now` is the wall clock the caller read (certificates expire on the wall clock).
 */
import type { CertExpiry } from '../targets/kubeadm-certs.ts';
import type { Finding } from './types.ts';

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export function certFindings(byHost: ReadonlyMap<string, readonly CertExpiry[]>, now: Date): Finding[] {
  const out: Finding[] = [];
  for (const [host, certs] of byHost) {
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
          message: `${what} expired on ${date}: ${c.ca ? 'kubeadm does not renew a CA: replace it and reissue what it signed' : `renew it (kubeadm certs renew ${c.name})`}`,
        });
      else if (days < EXPIRY_WARNING_DAYS)
        out.push({
          id: `cert-expiring:${host}:${c.name}`,
          severity: 'warning',
          message: `${what} expires in ${days} day(s), on ${date} (under ${EXPIRY_WARNING_DAYS}): renew it before then`,
        });
    }
    const absent = certs.filter((c) => c.state === 'absent').map((c) => c.name);
    out.push({
      id: `cert-expiry:${host}`,
      severity: 'info',
      message: `${host} certificates: ${parts.join(', ') || 'none found'}${absent.length ? `; absent: ${absent.join(', ')}` : ''}`,
    });
  }
  return out;
}
