/**
 * Read-only inspection of the target beside the preflight: each control plane's kubeadm
 * certificates and their expiry (src/targets/kubeadm-certs.ts), as findings (src/analysis/
 * certs.ts), and how long each host takes to run a trivial command (src/analysis/
 * host-commands.ts). Runs whatever the preflight finds: an expired certificate is most worth
 * seeing when the cluster is not steady. A host where they cannot be read is said, never a failure.
 */
import { certFindings } from '../analysis/certs.ts';
import { type HostCommandTime, hostCommandFindings } from '../analysis/host-commands.ts';
import type { Finding } from '../analysis/types.ts';
import { runAction } from '../faults/types.ts';
import { type CertExpiry, parseCertExpiry } from '../targets/kubeadm-certs.ts';
import { externalEtcdHosts, hostsWithRole, type Target } from '../targets/types.ts';

export async function inspectTarget(target: Target, now: Date = new Date()): Promise<Finding[]> {
  const [certs, times] = await Promise.all([certExpiry(target, now), hostCommandTimes(target)]);
  return [...certs, ...hostCommandFindings(times, target.executor.kind)];
}

/**
 * Each host's time for `true`: the fastest of two runs after a first one (which may open the
 * connection: an ssh handshake is not what every read pays). The hosts in parallel, each in turn.
 */
export async function hostCommandTimes(target: Target): Promise<HostCommandTime[]> {
  return Promise.all(
    target.topology.hosts.map(async ({ name: host }): Promise<HostCommandTime> => {
      try {
        let best = Number.POSITIVE_INFINITY;
        for (let i = 0; i < 3; i++) {
          const r = await target.executor.exec(host, ['true'], { timeoutMs: 10_000 });
          if (r.code !== 0)
            return { host, ok: false, why: (r.stderr || `exit ${r.code}`).trim().slice(0, 200) };
          if (i > 0) best = Math.min(best, r.durationMs);
        }
        return { host, ok: true, ms: best };
      } catch (err) {
        return { host, ok: false, why: (err as Error).message.slice(0, 200) };
      }
    }),
  );
}

async function certExpiry(target: Target, now: Date): Promise<Finding[]> {
  // The control planes, and the etcd hosts that are not control planes (external etcd).
  const cps = hostsWithRole(target.topology, 'control-plane').map((h) => h.name);
  const etcdOnly = externalEtcdHosts(target.topology);
  const hosts = [...cps, ...etcdOnly];
  const read = await Promise.all(
    hosts.map(async (host) => {
      try {
        const r = await runAction(target, { kind: 'cert-expiry', host }, 15_000);
        if (r.code === 0) return { host, certs: parseCertExpiry(r.stdout), why: '' };
        return { host, certs: undefined, why: (r.stderr || `exit ${r.code}`).trim().slice(0, 200) };
      } catch (err) {
        return { host, certs: undefined, why: (err as Error).message.slice(0, 200) };
      }
    }),
  );
  const byHost = new Map<string, readonly CertExpiry[]>();
  const unread: Finding[] = [];
  for (const x of read) {
    if (x.certs) byHost.set(x.host, x.certs);
    else
      unread.push({
        id: `cert-expiry:${x.host}`,
        severity: 'info',
        message: `${x.host}: certificate expiry not read: ${x.why}`,
      });
  }
  const noMember = cps.filter((h) => !target.topology.etcd.some((m) => m.host === h));
  return [
    ...certFindings(byHost, now, { externalEtcd: new Set(etcdOnly), noMember: new Set(noMember) }),
    ...unread,
  ];
}
