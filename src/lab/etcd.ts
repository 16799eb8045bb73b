/**
 * The lab's etcd: one real Debian etcd member per control plane (stacked, as kubeadm does),
 * peers on :2380, clients on :2379 of the host address and of its loopback, timings from the
 * lab config. Status is read with one etcd3 client per member, so each answer is that member's.
 */
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import type { MemberStatus } from '../probes/etcd-health.ts';
import type { LabConfig, LabHost } from './config.ts';
import { hostsByRole } from './config.ts';
import type { ComponentSpec } from './supervisor.ts';

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

export const clientUrl = (h: LabHost): string => `http://${h.ip}:${ETCD_CLIENT_PORT}`;
export const peerUrl = (h: LabHost): string => `http://${h.ip}:${ETCD_PEER_PORT}`;
export const etcdDataDir = (cfg: LabConfig, h: LabHost): string =>
  path.join(cfg.stateDir, h.name, 'etcd-data');

export function initialCluster(cfg: LabConfig): string {
  return hostsByRole(cfg, 'control-plane')
    .map((h) => `${h.name}=${peerUrl(h)}`)
    .join(',');
}

export interface EtcdSpecOptions {
  /** `new` for a first start; `existing` for a member joining a running cluster. */
  readonly clusterState?: 'new' | 'existing';
  readonly clusterToken?: string;
}

export function etcdSpec(cfg: LabConfig, h: LabHost, opts: EtcdSpecOptions = {}): ComponentSpec {
  const t = cfg.timings.etcd;
  return {
    host: h.name,
    netns: h.netns,
    name: 'etcd',
    argv: [
      'etcd',
      `--name=${h.name}`,
      `--data-dir=${etcdDataDir(cfg, h)}`,
      `--listen-client-urls=${clientUrl(h)},http://127.0.0.1:${ETCD_CLIENT_PORT}`,
      `--advertise-client-urls=${clientUrl(h)}`,
      `--listen-peer-urls=${peerUrl(h)}`,
      `--initial-advertise-peer-urls=${peerUrl(h)}`,
      `--initial-cluster=${initialCluster(cfg)}`,
      `--initial-cluster-state=${opts.clusterState ?? 'new'}`,
      `--initial-cluster-token=${opts.clusterToken ?? `${cfg.prefix}-lab`}`,
      `--heartbeat-interval=${t.heartbeatMs}`,
      `--election-timeout=${t.electionMs}`,
      // etcd 3.5+ (what kubeadm runs) defaults --pre-vote to true (etcd-io/etcd v3.5
      // server/etcdmain/help.go: "--pre-vote 'true'"); Debian's 3.4 defaults it to false, and
      // without it a healed partitioned member forces a second election.
      '--pre-vote=true',
      '--logger=zap',
      '--log-outputs=stderr',
      '--snapshot-count=10000',
    ],
  };
}

const hex = (s: string | undefined): string => (s === undefined ? '0' : BigInt(s).toString(16));

/** A member to reach: its host name and a client URL reachable from the harness. */
export interface MemberEndpoint {
  readonly host: string;
  readonly url: string;
}

export const labMemberEndpoints = (hosts: readonly LabHost[]): MemberEndpoint[] =>
  hosts.map((h) => ({ host: h.name, url: clientUrl(h) }));

/** One etcd3 client per member so every status answer is that member's own view. */
export class EtcdMembers {
  private readonly clients = new Map<string, Etcd3>();
  private readonly members: readonly MemberEndpoint[];
  constructor(members: readonly LabHost[] | readonly MemberEndpoint[], timeoutMs = 1500) {
    this.members = members.map((m) => ('url' in m ? m : { host: m.name, url: clientUrl(m) }));
    for (const m of this.members) {
      this.clients.set(
        m.host,
        new Etcd3({
          hosts: m.url,
          dialTimeout: timeoutMs,
          defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
        }),
      );
    }
  }

  client(host: string): Etcd3 {
    const c = this.clients.get(host);
    if (!c) throw new Error(`no etcd member on '${host}'`);
    return c;
  }

  async status(host: string): Promise<MemberStatus> {
    try {
      const s = await this.client(host).maintenance.status();
      return {
        host,
        ok: true,
        memberId: hex(s.header.member_id),
        leaderId: hex(s.leader),
        raftTerm: Number(s.raftTerm),
        raftIndex: Number(s.raftIndex),
        dbSize: Number(s.dbSize),
      };
    } catch (err) {
      return { host, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  statusAll(): Promise<MemberStatus[]> {
    return Promise.all(this.members.map((m) => this.status(m.host)));
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }
}
