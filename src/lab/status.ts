/**
 * Lab status: per host its address, components (running / stopped), link state; etcd members
 * with the leader they see; the VIP holder; which apiservers each haproxy routes to.
 */

import { clusterHealth, type MemberStatus } from '../probes/etcd-health.ts';
import type { LabConfig } from './config.ts';
import { hostsByRole } from './config.ts';
import { EtcdMembers } from './etcd.ts';
import { type BackendState, haproxyBackends } from './haproxy.ts';
import { addressHolders, bridgeExists, hostLinkState } from './network.ts';
import { allStaticPodStates } from './static-pods.ts';
import { Supervisor } from './supervisor.ts';

export interface HostStatus {
  readonly host: string;
  readonly role: string;
  readonly ip: string;
  readonly link: 'up' | 'down' | 'missing';
  readonly components: readonly {
    name: string;
    state: 'running' | 'stopped';
    pid?: number;
    /** A static pod's manifest when not live: parked by a drill (or `lab stop`), or missing. */
    manifest?: 'parked' | 'missing';
  }[];
  readonly etcd?: MemberStatus;
  readonly backends?: readonly BackendState[] | { error: string };
}

export interface LabStatus {
  readonly preset: string;
  readonly stateDir: string;
  readonly vip: string;
  readonly vipHolders: readonly string[];
  readonly etcdLeader?: string;
  readonly etcdHealthy: boolean;
  readonly problems: readonly string[];
  readonly hosts: readonly HostStatus[];
}

export async function labStatus(cfg: LabConfig): Promise<LabStatus> {
  if (!bridgeExists(cfg)) {
    // Saved config but no network (e.g. after a reboot): nothing of the lab's range is ours to ask.
    return {
      preset: cfg.preset,
      stateDir: cfg.stateDir,
      vip: cfg.vip,
      vipHolders: [],
      etcdHealthy: false,
      problems: [
        `the lab is down: its bridge ${cfg.bridge} does not exist (${cfg.stateDir} is left from an earlier run); run 'npm run lab -- down' then 'npm run lab -- up'`,
      ],
      hosts: [],
    };
  }
  const sup = new Supervisor(cfg.stateDir);
  const etcd = new EtcdMembers(cfg, 1000);
  try {
    const [members, vipHolders] = await Promise.all([
      etcd.statusAll(),
      addressHolders(cfg.vip, hostsByRole(cfg, 'lb')),
    ]);
    const health = clusterHealth(members);
    const comps = sup.components();
    const pods = allStaticPodStates(cfg);
    const hosts = await Promise.all(
      cfg.hosts.map(async (h): Promise<HostStatus> => {
        const components = [
          // The kubelet's static pods (control planes), then the supervisor's services.
          ...(pods.get(h.name) ?? []).map((p) => ({
            name: p.name,
            state: p.pids.length > 0 ? ('running' as const) : ('stopped' as const),
            pid: p.pids[0],
            ...(p.manifest === 'live' ? {} : { manifest: p.manifest }),
          })),
          ...comps
            .filter((c) => c.host === h.name)
            .map((c) => ({ name: c.name, state: c.state.state, pid: c.state.pid })),
        ];
        let backends: HostStatus['backends'];
        if (h.role === 'lb') {
          backends = await haproxyBackends(cfg, h).catch((e: Error) => ({ error: e.message }));
        }
        return {
          host: h.name,
          role: h.role,
          ip: h.ip,
          link: await hostLinkState(h),
          components,
          etcd: members.find((m) => m.host === h.name),
          backends,
        };
      }),
    );
    const problems = [...health.problems];
    if (vipHolders.length !== 1) problems.push(`VIP ${cfg.vip} is held by ${vipHolders.length} LB host(s)`);
    for (const h of hosts) {
      for (const c of h.components) {
        if (c.state !== 'running') problems.push(`${c.name} on ${h.host} is stopped`);
        if (c.manifest) problems.push(`the manifest of ${c.name} on ${h.host} is ${c.manifest}`);
      }
      if (h.link !== 'up') problems.push(`link of ${h.host} is ${h.link}`);
    }
    return {
      preset: cfg.preset,
      stateDir: cfg.stateDir,
      vip: cfg.vip,
      vipHolders,
      etcdLeader: health.leader,
      etcdHealthy: health.healthy,
      problems,
      hosts,
    };
  } finally {
    etcd.close();
  }
}

/** Renders the status as a fixed-width table for the terminal. */
export function renderStatus(s: LabStatus): string {
  const rows: string[][] = [['HOST', 'ROLE', 'ADDRESS', 'LINK', 'COMPONENTS', 'HEALTH']];
  for (const h of s.hosts) {
    const comps = h.components
      .map(
        (c) => `${c.name}${c.state === 'running' ? '' : '(stopped)'}${c.manifest ? `(${c.manifest})` : ''}`,
      )
      .join(' ');
    let health = '';
    if (h.etcd) {
      health = h.etcd.ok
        ? `etcd term ${h.etcd.raftTerm} index ${h.etcd.raftIndex}${h.host === s.etcdLeader ? ' LEADER' : ''}${h.etcd.leaderId === '0' ? ' NO LEADER' : ''}`
        : `etcd down: ${h.etcd.error}`;
    }
    if (h.backends) {
      health =
        'error' in h.backends
          ? `haproxy: ${h.backends.error}`
          : `routes to: ${
              h.backends
                .filter((b) => b.up)
                .map((b) => b.server)
                .join(',') || 'none'
            }`;
      if (s.vipHolders.includes(h.host)) health += ` VIP ${s.vip}`;
    }
    rows.push([h.host, h.role, h.ip, h.link, comps || '-', health]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
  lines.push('');
  lines.push(
    `preset ${s.preset}; etcd leader: ${s.etcdLeader ?? 'none'}; VIP holder: ${s.vipHolders.join(',') || 'none'}`,
  );
  lines.push(s.problems.length === 0 ? 'healthy' : `problems:\n  - ${s.problems.join('\n  - ')}`);
  return lines.join('\n');
}
