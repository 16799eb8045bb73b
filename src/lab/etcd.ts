/**
 * The lab's etcd: one real Debian etcd member per control plane (stacked, as kubeadm does) or per
 * etcd host (external: src/lab/kubeadm/etcd-host.ts), run
 * from its kubeadm static pod manifest (src/lab/kubeadm/etcd-pod.ts): TLS for clients and peers
 * with kubeadm's certificates, client-certificate auth required, data in the host's
 * /var/lib/etcd. The harness reaches the members as kubeadm's own health checks do, with
 * `/etc/kubernetes/pki/etcd/healthcheck-client.{crt,key}` (taken from the first control plane's
 * files on the machine). Status is read with one client per member (src/probes/etcd.ts
 * memberClient), so each answer is that member's own view.
 */
import path from 'node:path';
import type { Etcd3 } from 'etcd3';
import { memberClient, memberHealth, memberStatus } from '../probes/etcd.ts';
import type { MemberStatus } from '../probes/etcd-health.ts';
import type { EtcdEndpoint } from '../targets/types.ts';
import type { LabConfig, LabHost } from './config.ts';
import { etcdHosts, hostRoot } from './config.ts';
import { clientUrl as memberClientUrl, peerUrl as memberPeerUrl } from './kubeadm/etcd-pod.ts';

export { ETCD_CLIENT_PORT, ETCD_DATA_DIR, ETCD_PEER_PORT } from './kubeadm/constants.ts';

/** A member's client and peer URLs, as its manifest advertises them (kubeadm/etcd-pod.ts). */
export const clientUrl = (h: LabHost): string => memberClientUrl(h.ip);
export const peerUrl = (h: LabHost): string => memberPeerUrl(h.ip);

/** The harness's etcd client credentials: kubeadm's healthcheck-client of the first etcd host. */
export function labEtcdTls(cfg: LabConfig): NonNullable<EtcdEndpoint['tls']> {
  const pki = path.join(hostRoot(cfg.stateDir, etcdHosts(cfg)[0]!.name), 'etc/kubernetes/pki/etcd');
  return {
    caFile: path.join(pki, 'ca.crt'),
    certFile: path.join(pki, 'healthcheck-client.crt'),
    keyFile: path.join(pki, 'healthcheck-client.key'),
  };
}

/** Every member as the harness reaches it. */
export const labEtcdEndpoints = (cfg: LabConfig): EtcdEndpoint[] =>
  etcdHosts(cfg).map((h) => ({
    host: h.name,
    member: h.name,
    url: clientUrl(h),
    tls: labEtcdTls(cfg),
    peerUrl: peerUrl(h),
  }));

/** One client per member so every status answer is that member's own view. */
export class EtcdMembers {
  private readonly clients = new Map<string, Etcd3>();
  private readonly members: readonly EtcdEndpoint[];
  constructor(cfg: LabConfig, timeoutMs = 1500) {
    this.members = labEtcdEndpoints(cfg);
    for (const m of this.members) this.clients.set(m.host, memberClient(m, timeoutMs));
  }

  client(host: string): Etcd3 {
    const c = this.clients.get(host);
    if (!c) throw new Error(`no etcd member on '${host}'`);
    return c;
  }

  async status(host: string): Promise<MemberStatus> {
    const c = this.clients.get(host);
    if (!c) return { host, ok: false, error: `no etcd member on '${host}'` };
    return memberHealth(host, await memberStatus(c));
  }

  statusAll(): Promise<MemberStatus[]> {
    return Promise.all(this.members.map((m) => this.status(m.host)));
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }
}
