/**
 * Steady state, checked before injecting (preflight) and after healing (verify): etcd has all
 * members healthy with one agreed leader, every apiserver answers /readyz, the API answers
 * through the load balancer, every node is Ready without the lifecycle controller's
 * unreachable/not-ready taints, both leader Leases are held, every apiserver
 * is in the `kubernetes` Endpoints, and (where the target can tell) one LB holds the VIP.
 */
import type { V1Endpoints, V1Lease, V1NodeList } from '@kubernetes/client-node';
import type { TimingInputs } from '../targets/defaults.ts';
import type { Target } from '../targets/types.ts';
import { sleep } from '../util/time.ts';
import { memberClient, memberHealth, memberStatus } from './etcd.ts';
import { clusterHealth } from './etcd-health.ts';
import type { KubeAccess } from './kube.ts';
import { type LeaderLease, leaderLeaseProblems } from './leader-leases.ts';

/**
 * What the target's timings tell the checks (its TimingInputs, or any part of them):
 * `retryPeriodS`, `--leader-elect-retry-period`: a leader Lease lagging the other by more is not
 * renewed (src/probes/leader-leases.ts).
 */
export type SteadyExpect = Pick<TimingInputs, 'retryPeriodS'>;

export interface SteadyCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface SteadyState {
  readonly ok: boolean;
  readonly checks: readonly SteadyCheck[];
}

const json = <T>(body: string | undefined): T => JSON.parse(body ?? '{}') as T;

async function etcdCheck(target: Target): Promise<SteadyCheck> {
  // One client per member (TLS where the target gives client certificates), so each answer is
  // that member's own view.
  const clients = target.topology.etcd.map((e) => ({ e, c: memberClient(e, 1500) }));
  try {
    const views = await Promise.all(clients.map(({ c }) => memberStatus(c)));
    const h = clusterHealth(views.map((v, i) => memberHealth(clients[i]!.e.member, v)));
    const n = target.topology.etcd.length;
    return h.healthy
      ? { name: 'etcd', ok: true, detail: `${n} members healthy, leader ${h.leader}` }
      : { name: 'etcd', ok: false, detail: h.problems.join('; ') };
  } finally {
    for (const { c } of clients) c.close();
  }
}

/** Every apiserver's `/readyz`, directly and anonymously (as an LB's health check asks it). */
export async function apiserversCheck(
  target: Pick<Target, 'topology'>,
  kube: KubeAccess,
): Promise<SteadyCheck> {
  const bad: string[] = [];
  await Promise.all(
    target.topology.apiservers.map(async (a) => {
      const r = await kube.get(`${a.url}/readyz`, { timeoutMs: 2000, anonymous: true });
      if (!r.ok) bad.push(`${a.host} /readyz ${r.status ?? r.error}`);
    }),
  );
  return { name: 'apiservers', ok: bad.length === 0, detail: bad.join('; ') || 'all /readyz OK' };
}

async function lbCheck(target: Target, kube: KubeAccess): Promise<SteadyCheck> {
  const r = await kube.get(`${target.topology.apiUrl}/api/v1/namespaces/default`, { timeoutMs: 2000 });
  return {
    name: 'lb',
    ok: r.ok,
    detail: r.ok ? `API serving through ${target.topology.apiUrl}` : `${r.status ?? r.error}`,
  };
}

/** Taints the node lifecycle controller puts on a node it lost (upstream well-known taints). */
const LIFECYCLE_TAINTS: readonly string[] = [
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/not-ready',
];

async function nodesCheck(target: Target, kube: KubeAccess): Promise<SteadyCheck> {
  const r = await kube.get(`${target.topology.apiUrl}/api/v1/nodes`, { timeoutMs: 3000, keepBody: true });
  if (!r.ok) return { name: 'nodes', ok: false, detail: `cannot list nodes: ${r.status ?? r.error}` };
  const nodes = json<V1NodeList>(r.body).items ?? [];
  const notReady = nodes
    .filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True')
    .map((n) => n.metadata?.name);
  // A node back to Ready keeps the node lifecycle controller's unreachable/not-ready taints until
  // its next monitor pass (--node-monitor-period) removes them; until then nothing new is
  // scheduled there, so the node has not recovered (pkg/controller/nodelifecycle, markNodeAsReachable).
  const tainted = nodes.flatMap((n) =>
    (n.spec?.taints ?? [])
      .filter((x) => LIFECYCLE_TAINTS.includes(x.key))
      .map((x) => `${n.metadata?.name} tainted ${x.key}:${x.effect}`),
  );
  const expected = target.topology.hosts.filter((h) => h.nodeName).map((h) => h.nodeName!);
  const missing = expected.filter((e) => !nodes.some((n) => n.metadata?.name === e));
  const problems = [
    ...notReady.map((n) => `${n} not Ready`),
    ...tainted,
    ...missing.map((n) => `${n} not registered`),
  ];
  return {
    name: 'nodes',
    ok: problems.length === 0 && nodes.length > 0,
    detail: problems.join('; ') || `${nodes.length} nodes Ready`,
  };
}

async function leasesCheck(target: Target, kube: KubeAccess, expect: SteadyExpect): Promise<SteadyCheck> {
  const problems: string[] = [];
  const holders: string[] = [];
  const leases: LeaderLease[] = [];
  for (const name of ['kube-controller-manager', 'kube-scheduler']) {
    const r = await kube.get(
      `${target.topology.apiUrl}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`,
      {
        timeoutMs: 2000,
        keepBody: true,
      },
    );
    if (!r.ok) {
      problems.push(`lease ${name}: ${r.status ?? r.error}`);
      continue;
    }
    const l = json<V1Lease>(r.body);
    leases.push({
      name,
      holderIdentity: l.spec?.holderIdentity,
      renewTimeMs: l.spec?.renewTime ? new Date(l.spec.renewTime).getTime() : undefined,
      leaseDurationS: l.spec?.leaseDurationSeconds,
    });
    if (l.spec?.holderIdentity) holders.push(`${name}: ${l.spec.holderIdentity}`);
  }
  problems.push(...leaderLeaseProblems(leases, Date.now(), expect.retryPeriodS));
  return { name: 'leases', ok: problems.length === 0, detail: problems.join('; ') || holders.join(', ') };
}

async function endpointsCheck(target: Target, kube: KubeAccess): Promise<SteadyCheck> {
  const r = await kube.get(`${target.topology.apiUrl}/api/v1/namespaces/default/endpoints/kubernetes`, {
    timeoutMs: 2000,
    keepBody: true,
  });
  if (!r.ok) return { name: 'endpoints', ok: false, detail: `kubernetes Endpoints: ${r.status ?? r.error}` };
  const ips = (json<V1Endpoints>(r.body).subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
  const missing = target.topology.apiservers.filter((a) => !ips.includes(a.ip)).map((a) => a.ip);
  return {
    name: 'endpoints',
    ok: missing.length === 0,
    detail: missing.length
      ? `missing from kubernetes Endpoints: ${missing.join(', ')}`
      : `kubernetes Endpoints: ${ips.join(', ')}`,
  };
}

async function vipCheck(target: Target): Promise<SteadyCheck | undefined> {
  if (!target.vipHolder || !target.topology.vip) return undefined;
  const h = await target.vipHolder();
  const ok = h !== null && target.topology.lbs.includes(h);
  return {
    name: 'vip',
    ok,
    detail: ok ? `VIP on ${h}` : `VIP ${target.topology.vip} held by ${h ?? 'nobody'}`,
  };
}

const guard = (name: string, p: Promise<SteadyCheck | undefined>): Promise<SteadyCheck | undefined> =>
  p.catch((err: unknown) => ({ name, ok: false, detail: err instanceof Error ? err.message : String(err) }));

export async function checkSteadyState(
  target: Target,
  kube: KubeAccess,
  expect: SteadyExpect = {},
): Promise<SteadyState> {
  const checks = (
    await Promise.all([
      guard('etcd', etcdCheck(target)),
      guard('apiservers', apiserversCheck(target, kube)),
      guard('lb', lbCheck(target, kube)),
      guard('nodes', nodesCheck(target, kube)),
      guard('leases', leasesCheck(target, kube, expect)),
      guard('endpoints', endpointsCheck(target, kube)),
      guard('vip', vipCheck(target)),
    ])
  ).filter((c): c is SteadyCheck => c !== undefined);
  return { ok: checks.every((c) => c.ok), checks };
}

/**
 * The pause between two steady-state checks, ms. A check is about ten requests at once (a tenth of
 * a second on the lab); a drill's verify ends up to one pause after the cluster got there (500 ms
 * until 2026-12-04: about 0.3 s a drill that waited).
 */
export const STEADY_POLL_MS = 250;

export interface WaitSteadyOptions {
  readonly signal?: AbortSignal;
  /** Hears each state that does not hold (`lab up` says what it still waits for). */
  readonly notYet?: (s: SteadyState) => void;
  readonly expect?: SteadyExpect;
}

/** Polls until steady state holds or timeoutMs passes; returns the last state either way. */
export async function waitSteadyState(
  target: Target,
  kube: KubeAccess,
  timeoutMs: number,
  o: WaitSteadyOptions = {},
): Promise<SteadyState> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const s = await checkSteadyState(target, kube, o.expect);
    if (s.ok || performance.now() >= until || o.signal?.aborted) return s;
    o.notYet?.(s);
    await sleep(STEADY_POLL_MS);
  }
}

export const describeProblems = (s: SteadyState): string =>
  s.checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`)
    .join('; ');

/**
 * A `notYet` for waitSteadyState that hands on what steady state still waits for only when that
 * changes (`lab up` prints it, a drill's verify puts it on the timeline).
 */
export function onProblemsChange(report: (problems: string) => void): (s: SteadyState) => void {
  let last = '';
  return (s) => {
    const now = describeProblems(s);
    if (now === last) return;
    last = now;
    report(now);
  };
}
