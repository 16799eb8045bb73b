/**
 * Choosing what a scenario aims at, from the topology, the live cluster (etcd leader, Lease
 * holders) and the user's `--host` / `--member`.
 */
import type { V1Lease } from '@kubernetes/client-node';
import { memberClient, memberStatus } from '../src/probes/etcd.ts';
import type { KubeAccess } from '../src/probes/kube.ts';
import type { ApiserverEndpoint, EtcdEndpoint, TargetHost, Topology } from '../src/targets/types.ts';
import { LiveAimError, TargetError, UserError } from '../src/util/errors.ts';
import { sleep } from '../src/util/time.ts';

export function pickApiserver(t: Topology, host?: string): ApiserverEndpoint {
  if (t.apiservers.length === 0) throw new UserError(`target ${t.name} has no apiserver`);
  if (!host) return t.apiservers[0]!;
  const a = t.apiservers.find((x) => x.host === host);
  if (!a) {
    throw new UserError(
      `--host ${host} runs no kube-apiserver: choose one of ${t.apiservers.map((x) => x.host).join(', ')}`,
    );
  }
  return a;
}

export function pickMember(t: Topology, member: string): EtcdEndpoint {
  const m = t.etcd.find((x) => x.member === member || x.host === member);
  if (!m)
    throw new UserError(
      `--member ${member} is not an etcd member: choose one of ${t.etcd.map((x) => x.member).join(', ')}`,
    );
  return m;
}

/** The host a leader identity `<hostname>_<uuid>` belongs to (upstream client-go identity format). */
export function hostOfIdentity(t: Topology, identity: string): TargetHost {
  const cut = identity.lastIndexOf('_');
  const hostname = cut > 0 ? identity.slice(0, cut) : identity;
  const h = t.hosts.find((x) => x.name === hostname || x.nodeName === hostname);
  if (!h) {
    throw new TargetError(
      `the leader identity '${identity}' names host '${hostname}', which is not in target ${t.name} (hosts: ${t.hosts.map((x) => x.name).join(', ')})`,
    );
  }
  return h;
}

/** The current holder of a leader Lease (`namespace/name`), read through the load balancer. */
export async function leaseHolder(
  kube: KubeAccess,
  t: Topology,
  lease: string,
): Promise<{ identity: string; host: TargetHost; transitions?: number }> {
  const [ns, name] = lease.split('/', 2) as [string, string];
  const r = await kube.get(`${t.apiUrl}/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`, {
    timeoutMs: 5000,
    keepBody: true,
  });
  if (!r.ok || !r.body) throw new TargetError(`cannot read Lease ${lease}: ${r.error ?? `HTTP ${r.status}`}`);
  const l = JSON.parse(r.body) as V1Lease;
  const identity = l.spec?.holderIdentity;
  if (!identity)
    throw new TargetError(`Lease ${lease} has no holder: is ${name} running with --leader-elect?`);
  return { identity, host: hostOfIdentity(t, identity), transitions: l.spec?.leaseTransitions };
}

/** How many times the members are asked before there is no leader to aim at, and the pause between. */
const LEADER_TRIES = 3;
const LEADER_RETRY_MS = 500;

/**
 * The etcd member every member names as leader (from each member's own status, TLS when set).
 * A member that does not answer in time, or members that disagree (an election in progress), are
 * asked again, up to LEADER_TRIES times (at most ~7.5 s): a drill about to start aims at the leader
 * the cluster settles on, not at a moment's stall.
 */
export async function etcdLeader(t: Topology): Promise<EtcdEndpoint> {
  if (t.planOnly)
    throw new LiveAimError(
      `--dry-run: the etcd leader is read from the running cluster, and the target was ${t.planOnly}: pass --member to plan the fault on one member (${t.etcd.map((e) => e.member).join(', ')})`,
    );
  const clients = t.etcd.map((e) => ({ e, client: memberClient(e, 2000) }));
  try {
    let why = '';
    for (let i = 0; i < LEADER_TRIES; i++) {
      if (i > 0) await sleep(LEADER_RETRY_MS);
      const views = await Promise.all(
        clients.map(async (x) => ({ e: x.e, v: await memberStatus(x.client) })),
      );
      const problems = views
        .filter((x) => x.v.error || !x.v.leader)
        .map((x) => `${x.e.member}: ${x.v.error ?? 'no leader'}`);
      const leaders = new Set(views.map((x) => x.v.leader));
      const id = leaders.size === 1 ? [...leaders][0] : undefined;
      const leader = id ? views.find((x) => x.v.memberId === id)?.e : undefined;
      if (leader && problems.length === 0) return leader;
      why = problems.join('; ') || `leaders seen: ${[...leaders].join(', ')}`;
    }
    throw new TargetError(
      `no etcd leader all members agree on after ${LEADER_TRIES} tries (${why}): pass --member to choose one`,
    );
  } finally {
    for (const x of clients) x.client.close();
  }
}
