/**
 * network-degrade: a slow, lossy link between masters. What one etcd member (default the current
 * leader; `--member` to choose) or every member (`--variant all`) sends to its peers gets
 * `--delay` (default 100ms) ± `--jitter` (default 0) more latency and loses `--loss` (default 0 %)
 * of its packets (src/faults/net-degrade.ts; src/targets/kubeadm-net-degrade.ts: netem on real
 * nodes, the lab's delaying proxy here, loss by iptables `statistic`), for etcd-disk-latency's
 * `degradedMs`; the heal
 * removes it. Only etcd's peer traffic is touched: a stacked apiserver keeps its local member.
 *
 * What it does to etcd: a commit needs a quorum's acknowledgement of the leader's append
 * (etcd-io/raft: the leader commits an entry once a majority's `MsgAppResp` match it), so a
 * degraded leader adds its delay to every write (its appends leave late); one degraded follower is
 * outvoted by the healthy one; every member degraded adds a full round trip. Heartbeats ride the
 * same links: a follower that hears nothing for an election timeout campaigns (raft.go
 * `tickElection`), so a delay (plus the retransmissions of lost packets) near the election
 * timeout moves the leader — etcd's tuning guide (op-guide/tuning.md) sets the heartbeat interval
 * to about the round trip between members and the election timeout to ten times that.
 *
 * Measures, over the degradation: write latency p50/p99 through the LB against the seeds'
 * threshold (etcd writes < 50 ms; API p99 < 1 s), API request latency p99, etcd leader changes
 * (none expected), /readyz flaps, and no lost write. The proof says what the links measured
 * (round trips before and after, packets dropped).
 */
import { netDegradeFault } from '../src/faults/net-degrade.ts';
import { faultSpanMs, type Scenario, type ScenarioOptions } from '../src/runner/scenario.ts';
import { KUBEADM_PEER_PORT } from '../src/targets/kubeadm-net-degrade.ts';
import type { EtcdEndpoint, Topology } from '../src/targets/types.ts';
import { UserError } from '../src/util/errors.ts';
import { etcdDiskLatency } from './etcd-disk-latency.ts';
import { etcdLeader, pickMember } from './pick.ts';

export const DEFAULT_DELAY_MS = 100;

const VARIANTS = ['member', 'all'] as const;
export type LinkVariant = (typeof VARIANTS)[number];

export function linkVariant(o: ScenarioOptions): LinkVariant {
  const v = o.variant ?? 'member';
  if (!(VARIANTS as readonly string[]).includes(v))
    throw new UserError(`network-degrade --variant must be one of ${VARIANTS.join(', ')} (got '${v}')`);
  if (v === 'all' && o.member !== undefined)
    throw new UserError('network-degrade --variant all degrades every member: drop --member');
  return v as LinkVariant;
}

/** The member's peer address and port: its peer URL, else its host's address and kubeadm's port. */
export function peerAddress(t: Topology, e: EtcdEndpoint): { address: string; port: number } {
  if (e.peerUrl) {
    const u = new URL(e.peerUrl);
    return { address: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || KUBEADM_PEER_PORT) };
  }
  const h = t.hosts.find((x) => x.name === e.host);
  if (!h) throw new Error(`etcd member ${e.member}: host ${e.host} is not in the topology`);
  return { address: h.address, port: KUBEADM_PEER_PORT };
}

export const networkDegrade: Scenario = {
  name: 'network-degrade',
  description:
    'delay (and drop) the etcd peer traffic of one member (default the leader) or all; measure write latency, leader changes',
  // etcd-disk-latency's measurements and budgets (the seeds': etcd writes < 50 ms, API p99 < 1 s).
  defaultSlos: etcdDiskLatency.defaultSlos,
  informational: etcdDiskLatency.informational,
  async fault(ctx) {
    const t = ctx.target.topology;
    const variant = linkVariant(ctx.options);
    const chosen =
      variant === 'all'
        ? undefined
        : (ctx.options.member ? pickMember(t, ctx.options.member) : await etcdLeader(t)).member;
    return netDegradeFault({
      members: t.etcd.map((e) => ({
        host: e.host,
        member: e.member,
        ...peerAddress(t, e),
        degraded: chosen === undefined || e.member === chosen,
      })),
      delayMs: ctx.options.delayMs ?? DEFAULT_DELAY_MS,
      jitterMs: ctx.options.jitterMs ?? 0,
      lossPct: ctx.options.lossPct ?? 0,
      // The hosts end the degradation by themselves after the observation and any hold, plus a minute.
      forS: Math.ceil(faultSpanMs(networkDegrade, ctx) / 1000) + 60,
    });
  },
  // The same probes, for as long: the degradation, then the heal observed.
  probes: etcdDiskLatency.probes,
  recovered: etcdDiskLatency.recovered,
  observeMs: etcdDiskLatency.observeMs,
  // The etcd mixin's etcdMemberCommunicationSlow (peer round trip p99 > 0.15 s) holds `for: 10m`:
  // never within a drill's degradation; the others may fire if the leader moves or commits slow.
  alerts: () => ({
    expected: [],
    allowed: [
      'etcdMemberCommunicationSlow',
      'etcdHighCommitDurations',
      'etcdHighNumberOfLeaderChanges',
      'etcdGRPCRequestsSlow',
    ],
  }),
};
