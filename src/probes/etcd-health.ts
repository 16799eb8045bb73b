/**
 * etcd cluster health from member statuses (pure): every member answers and all name one leader.
 */

export interface MemberStatus {
  readonly host: string;
  readonly ok: boolean;
  /** This member's id (hex) and the leader it reports (hex, '0' = none). */
  readonly memberId?: string;
  readonly leaderId?: string;
  readonly raftTerm?: number;
  readonly raftIndex?: number;
  readonly error?: string;
}

export interface ClusterHealth {
  readonly healthy: boolean;
  /** Host name of the leader every reachable member agrees on, when there is one. */
  readonly leader?: string;
  readonly members: readonly MemberStatus[];
  readonly problems: readonly string[];
}

/** Pure: the cluster is healthy when every member answers and all name the same leader. */
export function clusterHealth(statuses: readonly MemberStatus[]): ClusterHealth {
  const problems: string[] = [];
  const byId = new Map(statuses.filter((s) => s.memberId).map((s) => [s.memberId!, s.host]));
  const leaders = new Set<string>();
  for (const s of statuses) {
    if (!s.ok) problems.push(`etcd on ${s.host} does not answer: ${s.error ?? 'unknown error'}`);
    else if (!s.leaderId || s.leaderId === '0') problems.push(`etcd on ${s.host} has no leader`);
    else leaders.add(s.leaderId);
  }
  if (leaders.size > 1) problems.push(`etcd members disagree on the leader (${[...leaders].join(', ')})`);
  const leaderId = leaders.size === 1 ? [...leaders][0]! : undefined;
  const leader = leaderId ? byId.get(leaderId) : undefined;
  return { healthy: problems.length === 0 && leader !== undefined, leader, members: statuses, problems };
}
