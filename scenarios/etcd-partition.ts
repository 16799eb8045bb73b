/**
 * etcd-partition: cut one etcd member's client and peer traffic (tcp 2379/2380, loopback open)
 * with iptables on its host; default the current leader (from each member's own status),
 * `--member` to choose. The member loses quorum, its stacked apiserver's /readyz fails (its etcd
 * check reads linearizably from the local member), the LB's health check drops it. After heal the
 * member catches up with the leader's raft index.
 *
 * Measures etcd_leader_election_s, apiserver_unready_s, lb_failover_s, api_outage_s, rto_s, RPO and
 * etcd_catchup_s (src/analysis/etcd.ts). The observation ends once a leader is elected, the cut
 * member's apiserver was seen unready and the API through the LB has answered for 3 s after the
 * LB's health checks had time to drop it (lbDropMs). The bounds follow the analysis' expected
 * windows (src/analysis/expected.ts), so the two cannot drift apart.
 */

import { apiserverUnready, leaderElection } from '../src/analysis/etcd.ts';
import { etcdElectionWindow, lbFailoverWindow } from '../src/analysis/expected.ts';
import type { Finding } from '../src/analysis/types.ts';
import { partitionFault } from '../src/faults/network.ts';
import { apiAvailabilityProbe, readyzProbe } from '../src/probes/api.ts';
import { etcdProbe, vipProbe } from '../src/probes/etcd.ts';
import { writeProbe } from '../src/probes/writes.ts';
import { apiRecovered } from '../src/runner/recovery.ts';
import type { Scenario } from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import type { HaTimings } from '../src/targets/defaults.ts';
import { ETCD_PARTITION } from '../src/targets/partition.ts';
import { eventsOf, type TimelineEvent } from '../src/timeline/events.ts';
import { etcdLeader, pickMember } from './pick.ts';

function aimOf(events: readonly TimelineEvent[]) {
  return eventsOf(events, 'fault.invoke')[0]?.target;
}

/** Timers assumed where the target does not state them, only to bound the observation. */
const ASSUMED: Required<
  Pick<HaTimings, 'fall' | 'checkInterMs' | 'checkTimeoutMs' | 'etcdElectionMs' | 'etcdHeartbeatMs'>
> = { fall: 2, checkInterMs: 2000, checkTimeoutMs: 3000, etcdElectionMs: 1000, etcdHeartbeatMs: 100 };

const withAssumed = (t: HaTimings) => ({
  ...ASSUMED,
  ...Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)),
});

/**
 * The LB's worst-case time to stop routing to a server that just went bad (ms): the upper bound of
 * the lb_failover_s expected window, fall × (inter + timeout check).
 */
export const lbDropMs = (t: HaTimings): number => 1000 * lbFailoverWindow(withAssumed(t))!.max;

/**
 * kube-apiserver's etcd client keepalive: a ping after 30 s without reads, 10 s for its answer
 * (staging/src/k8s.io/apiserver/pkg/storage/storagebackend/factory/etcd3.go keepaliveTime,
 * keepaliveTimeout); the lab's apiserver pings after 10 s, answer within 5 s
 * (src/kube/apiserver/etcd-client.ts).
 */
const KEEPALIVE_S = { upstream: { time: 30, timeout: 10 }, lab: { time: 10, timeout: 5 } } as const;

/**
 * The finding of a cut external member (no apiserver on its host): what it costs instead of an
 * unready apiserver. Every apiserver lists all members in --etcd-servers and sends each request
 * to one it is connected to (etcd clientv3 over gRPC's round_robin: client/v3/client.go); the
 * connection to the cut member stays up until the keepalive gives up on it, so meanwhile the
 * requests sent on it (about 1 in n) hang or fail, through every apiserver.
 */
export function externalMemberFinding(members: number, target: 'lab' | 'upstream'): Finding {
  const k = KEEPALIVE_S[target];
  const who = target === 'lab' ? "the lab's apiserver" : 'kube-apiserver';
  return {
    id: 'external-etcd-partition',
    severity: 'info',
    message: `external etcd: the cut member runs no apiserver, so no apiserver turns unready (apiserver_unready_s does not apply) and the LB drops none; instead every apiserver keeps sending about 1 in ${members} requests on its connection to the cut member until its etcd client's keepalive gives up on it (${who}: a ping after ${k.time} s without an answer, ${k.timeout} s to answer: up to ${k.time + k.timeout} s), and those requests hang or fail through every apiserver (api_outage_s).`,
  };
}

/** Longest election after the leader is cut (ms): the etcd_leader_election_s window's bound. */
export const electionMaxMs = (t: HaTimings): number => 1000 * etcdElectionWindow(withAssumed(t))!.max;

export const etcdPartition: Scenario = {
  name: 'etcd-partition',
  description:
    'iptables cut of one etcd member (default the leader); measure election, apiserver unready, LB failover, RPO, catch-up',
  defaultSlos: sloDefaults([
    ['etcd_leader_election_s', '<', 15],
    ['lb_failover_s', '<', 30],
    ['api_outage_s', '<', 30],
    ['rto_s', '<', 30],
    ['rpo_lost_writes', '<=', 0],
    ['rpo_window_s', '<=', 0],
  ]),
  informational: ['apiserver_unready_s', 'etcd_catchup_s'],
  analysis(ctx, fault) {
    const t = ctx.target.topology;
    if (fault.aim.ip || t.apiservers.some((a) => a.host === fault.aim.host)) return {};
    return {
      findings: [externalMemberFinding(t.etcd.length, t.kind === 'lab' ? 'lab' : 'upstream')],
    };
  },
  async fault(ctx) {
    const t = ctx.target.topology;
    const m = ctx.options.member ? pickMember(t, ctx.options.member) : await etcdLeader(t);
    // The stacked apiserver on that host, if any (external etcd has none).
    const api = t.apiservers.find((a) => a.host === m.host);
    return partitionFault({ host: m.host, spec: ETCD_PARTITION, member: m.member, ip: api?.ip });
  },
  probes: (ctx) => [
    apiAvailabilityProbe({ connection: 'new' }),
    apiAvailabilityProbe({ connection: 'keepalive' }),
    readyzProbe(),
    etcdProbe({ trackIndex: true }),
    vipProbe(),
    writeProbe(ctx.runId),
  ],
  recovered(events, at, ctx) {
    const aim = aimOf(events);
    if (!aim) return false;
    const elected = leaderElection(events, at, aim.member);
    if (elected.value === null || elected.lowerBound) return false;
    const unready = apiserverUnready(events, at, [aim.ip, aim.host, aim.member]);
    // External etcd: no stacked apiserver to wait for.
    if (aim.ip && (unready.value === null || unready.lowerBound)) return false;
    const from = at + (unready.value ?? 0) * 1000 + lbDropMs(ctx.timings);
    return apiRecovered(events, from, ctx.sustained);
  },
  // The cut member loses its leader once its election timeout passes (a follower campaigns, a
  // leader steps down by CheckQuorum; raft: becomePreCandidate / stepLeader set lead = None, and
  // etcd server/raft.go sets etcd_server_has_leader 0): the seeds' EtcdClusterUnavailable and the
  // etcd mixin's etcdNoLeader, on its metrics port, which the partition leaves open. The peers'
  // failures to reach it are etcdMembersDown (warning): allowed.
  alerts: (ctx) => {
    const t = withAssumed(ctx.timings);
    const noLeader = {
      conditionS: { min: (t.etcdElectionMs ?? 1000) / 1000, max: electionMaxMs(ctx.timings) / 1000 },
      clearS: { min: 0, max: electionMaxMs(ctx.timings) / 1000 },
    };
    return {
      expected: [
        { alert: 'EtcdClusterUnavailable', ...noLeader },
        { alert: 'etcdNoLeader', ...noLeader },
      ],
      allowed: ['etcdMembersDown', 'etcdMemberCommunicationSlow', 'HAProxyServerDown'],
    };
  },
  // Election ≤ 4 × election timeout + heartbeat; /readyz fails within its 2 s etcd check; the LB
  // drops the server within lbDropMs; then 3 s of sustained success. Twice that + 15 s.
  observeMs: (t) => 2 * (electionMaxMs(t) + 2000 + lbDropMs(t) + 3000) + 15_000,
};
