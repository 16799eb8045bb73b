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
 * LB's health checks had time to drop it (lbDropMs).
 */

import { apiserverUnready, leaderElection } from '../src/analysis/etcd.ts';
import { partitionFault } from '../src/faults/network.ts';
import { apiAvailabilityProbe, readyzProbe } from '../src/probes/api.ts';
import { etcdProbe, vipProbe } from '../src/probes/etcd.ts';
import { writeProbe } from '../src/probes/writes.ts';
import { sustainedApiSuccess } from '../src/runner/recovery.ts';
import type { Scenario } from '../src/runner/scenario.ts';
import { ETCD_PARTITION } from '../src/targets/partition.ts';
import type { HaTimings } from '../src/targets/types.ts';
import { eventsOf, type TimelineEvent } from '../src/timeline/events.ts';
import { etcdLeader, pickMember } from './pick.ts';

function aimOf(events: readonly TimelineEvent[]) {
  return eventsOf(events, 'fault.invoke')[0]?.target;
}

/**
 * The LB's worst-case time to stop routing to a server that just went bad: the next health check
 * starts up to `inter` later, each failing check takes up to `timeout check`, `fall` of them with
 * `inter` between: inter + fall × timeout + (fall − 1) × inter = fall × (inter + timeout) (ms).
 */
export const lbDropMs = (t: HaTimings): number =>
  (t.fall ?? 2) * ((t.checkInterMs ?? 2000) + (t.checkTimeoutMs ?? 3000));

/**
 * When the cut member was the leader, how long until the others elect a new one. The cut drops
 * what the member receives; what it sends keeps flowing until TCP gives up, so the followers keep
 * hearing heartbeats until the leader steps down (CheckQuorum: no quorum contact for an election
 * timeout, checked every election timeout: [e, 2e]); then a follower campaigns after a randomized
 * election timeout [e, 2e] plus a heartbeat for the vote: [e, 4e + h] (a clean cut gives ≥ e).
 */
export const leaderCutElectionS = (t: HaTimings): { min: number; max: number } | undefined =>
  t.etcdElectionMs === undefined || t.etcdHeartbeatMs === undefined
    ? undefined
    : { min: t.etcdElectionMs / 1000, max: (4 * t.etcdElectionMs + t.etcdHeartbeatMs) / 1000 };

export const etcdPartition: Scenario = {
  name: 'etcd-partition',
  description:
    'iptables cut of one etcd member (default the leader); measure election, apiserver unready, LB failover, RPO, catch-up',
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
    return sustainedApiSuccess(events, from, 3000);
  },
  // Election ≤ 4 × election timeout + heartbeat (leaderCutElectionS); /readyz fails within its
  // 2 s etcd check; the LB drops the server within lbDropMs; then 3 s of sustained success.
  // Twice that + 15 s.
  observeMs: (t) =>
    2 * (4 * (t.etcdElectionMs ?? 1000) + (t.etcdHeartbeatMs ?? 100) + 2000 + lbDropMs(t) + 3000) + 15_000,
};
