/**
 * etcd-partition measurements from `etcd.status` and `readyz` events:
 *
 * - etcd_leader_election_s: fault → first status from a member other than the partitioned one
 *   that names a leader different from the pre-fault leader. 0 when the partitioned member was a
 *   follower (no election needed). The pre-fault leader is the one most members named last.
 * - apiserver_unready_s: fault → first failed `/readyz` of the partitioned member's apiserver.
 * - etcd_catchup_s: heal done → the partitioned member has a leader and a raft index at least the
 *   index the others reported at heal time.
 */
import { type EventOf, eventsOf, type TimelineEvent } from '../timeline/events.ts';
import type { Observation } from './types.ts';

type Status = EventOf<'etcd.status'>;

function memberIdOf(statuses: readonly Status[], member: string): string | undefined {
  return statuses.find((s) => s.member === member && s.memberId)?.memberId;
}

function leaderBefore(statuses: readonly Status[], faultMs: number): string | undefined {
  const last = new Map<string, Status>();
  for (const s of statuses) if (s.atMs < faultMs && !s.error) last.set(s.member, s);
  const votes = new Map<string, number>();
  for (const s of last.values()) if (s.leader) votes.set(s.leader, (votes.get(s.leader) ?? 0) + 1);
  return [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

export function leaderElection(
  events: readonly TimelineEvent[],
  faultMs: number,
  member: string | undefined,
): Observation & { readonly follower?: boolean } {
  if (!member) return { value: null, detail: 'the partitioned etcd member is unknown' };
  const statuses = eventsOf(events, 'etcd.status');
  const oldLeader = leaderBefore(statuses, faultMs);
  if (!oldLeader) return { value: null, detail: 'no etcd leader observed before the fault' };
  const partitionedId = memberIdOf(statuses, member);
  if (partitionedId && partitionedId !== oldLeader) {
    return {
      value: 0,
      follower: true,
      detail: `${member} was a follower (leader ${oldLeader}); no election needed`,
    };
  }
  const elected = statuses.find(
    (s) =>
      s.atMs >= faultMs && s.member !== member && !s.error && s.leader !== null && s.leader !== oldLeader,
  );
  if (!elected) {
    const last = statuses.at(-1);
    return {
      value: last && last.atMs > faultMs ? (last.atMs - faultMs) / 1000 : null,
      lowerBound: true,
      detail: `no new leader observed after the fault (old leader ${oldLeader})`,
    };
  }
  return {
    value: (elected.atMs - faultMs) / 1000,
    detail: `leader ${oldLeader} → ${elected.leader} (seen by ${elected.member}, term ${elected.raftTerm ?? '?'})`,
  };
}

export function apiserverUnready(
  events: readonly TimelineEvent[],
  faultMs: number,
  apiserver: readonly (string | undefined)[],
): Observation {
  const names = apiserver.filter((a): a is string => !!a);
  if (names.length === 0) return { value: null, detail: "the partitioned member's apiserver is unknown" };
  const probes = eventsOf(events, 'readyz').filter((e) => names.includes(e.apiserver) && e.atMs >= faultMs);
  if (probes.length === 0)
    return { value: null, detail: `no /readyz probe of ${names.join('/')} after the fault` };
  const fail = probes.find((e) => !e.ok);
  if (!fail) {
    return {
      value: (probes.at(-1)!.atMs - faultMs) / 1000,
      lowerBound: true,
      detail: `${names[0]} /readyz stayed OK until the end`,
    };
  }
  return {
    value: (fail.atMs - faultMs) / 1000,
    detail: `${fail.apiserver} /readyz failed (${fail.status ?? fail.error ?? 'error'})`,
  };
}

export function etcdCatchup(
  events: readonly TimelineEvent[],
  healedMs: number | undefined,
  member: string | undefined,
): Observation {
  if (!member) return { value: null, detail: 'the partitioned etcd member is unknown' };
  if (healedMs === undefined) return { value: null, detail: 'the heal did not complete' };
  const statuses = eventsOf(events, 'etcd.status');
  const others = statuses.filter(
    (s) => s.member !== member && s.atMs <= healedMs && s.raftIndex !== undefined,
  );
  if (others.length === 0)
    return { value: null, detail: 'no raft index of the other members before the heal' };
  const target = Math.max(...others.map((s) => s.raftIndex!));
  const caught = statuses.find(
    (s) =>
      s.member === member &&
      s.atMs >= healedMs &&
      !s.error &&
      s.leader !== null &&
      (s.raftIndex ?? -1) >= target,
  );
  if (!caught) return { value: null, detail: `${member} did not reach raft index ${target} after the heal` };
  return {
    value: (caught.atMs - healedMs) / 1000,
    detail: `${member} reached raft index ${caught.raftIndex} ≥ ${target}`,
  };
}

/**
 * etcd_member_replace_s (etcd-member-replace): the fault's effect (the member stopped) → the new
 * member answered healthy (/health true: it has a leader and serves a linearizable read), as the
 * fault's `member-replaced` proof dates it; three healthy voting members again.
 */
export function memberReplace(events: readonly TimelineEvent[], faultMs: number): Observation {
  const p = eventsOf(events, 'fault.proof').find((e) => e.proof.kind === 'member-replaced')?.proof;
  if (p?.kind !== 'member-replaced')
    return { value: null, detail: 'no member-replaced proof on the timeline' };
  return {
    value: (p.healthyAtMs - faultMs) / 1000,
    detail: `member ${p.member} on ${p.host}: ${p.oldId ?? 'none'} → ${p.newId}, healthy at ${(p.healthyAtMs / 1000).toFixed(2)} s on the run`,
  };
}
