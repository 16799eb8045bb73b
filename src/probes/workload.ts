/**
 * The drill workload: a ReplicaSet in the drill namespace, one replica per worker, spread by the
 * scheduler, whose pods tolerate `node.kubernetes.io/unreachable` and `not-ready` (NoExecute) for
 * a chosen tolerationSeconds. kubelet-stop watches it being evicted and replaced; leader-kill
 * scales it to prove the controllers resume under the new leader. Everything goes through the API
 * at the load balancer (the workload is cluster state, never part of a heal).
 *
 * Pods use terminationGracePeriodSeconds 0, so an evicted pod is removed at once and its eviction
 * is observable as a deletion even while its kubelet is gone (with a grace period it would stay
 * Terminating until the kubelet came back).
 */
import type { V1Pod, V1PodList, V1ReplicaSet } from '@kubernetes/client-node';
import { sleep } from '../util/time.ts';
import type { KubeAccess } from './kube.ts';
import { every } from './loop.ts';
import type { Probe } from './types.ts';
import { DRILL_NAMESPACE } from './writes.ts';

export const WORKLOAD_NAME = 'ha-drill-workload';
export const WORKLOAD_SELECTOR = `app=${WORKLOAD_NAME}`;
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

export interface WorkloadSpec {
  readonly replicas: number;
  /** tolerationSeconds for the unreachable and not-ready NoExecute taints. */
  readonly tolerationSeconds: number;
}

export function workloadManifest(s: WorkloadSpec): V1ReplicaSet {
  const labels = { app: WORKLOAD_NAME };
  const toleration = (key: string) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: s.tolerationSeconds,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: WORKLOAD_NAME, namespace: DRILL_NAMESPACE, labels },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 0,
          tolerations: [toleration(UNREACHABLE_TAINT), toleration(NOT_READY_TAINT)],
          containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9' }],
        },
      },
    },
  };
}

const rsUrl = (apiUrl: string, name = '') =>
  `${apiUrl}/apis/apps/v1/namespaces/${DRILL_NAMESPACE}/replicasets${name ? `/${name}` : ''}`;
const podsUrl = (apiUrl: string) =>
  `${apiUrl}/api/v1/namespaces/${DRILL_NAMESPACE}/pods?labelSelector=${encodeURIComponent(WORKLOAD_SELECTOR)}`;

async function getJson<T>(kube: KubeAccess, url: string, timeoutMs = 3000): Promise<T> {
  const r = await kube.get(url, { timeoutMs, keepBody: true });
  if (!r.ok || !r.body) throw new Error(`GET ${url}: ${r.error ?? `HTTP ${r.status}`}`);
  return JSON.parse(r.body) as T;
}

export const isRunningReady = (p: V1Pod): boolean =>
  p.status?.phase === 'Running' &&
  (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

/** The workload's live (not terminating) pods. */
export async function workloadPods(kube: KubeAccess, apiUrl: string): Promise<V1Pod[]> {
  const list = await getJson<V1PodList>(kube, podsUrl(apiUrl));
  return (list.items ?? []).filter((p) => !p.metadata?.deletionTimestamp);
}

/** Pod name → node of every Running and ready workload pod. */
export async function workloadPlacement(kube: KubeAccess, apiUrl: string): Promise<Map<string, string>> {
  const pods = await workloadPods(kube, apiUrl);
  return new Map(
    pods.filter(isRunningReady).map((p) => [p.metadata?.name ?? '', p.spec?.nodeName ?? ''] as const),
  );
}

/**
 * Creates the workload (replacing one left by an aborted run) and waits until `replicas` pods are
 * Running and ready on `replicas` distinct nodes. Returns pod → node.
 */
export async function deployWorkload(
  kube: KubeAccess,
  apiUrl: string,
  spec: WorkloadSpec,
  timeoutMs = 60_000,
): Promise<Map<string, string>> {
  await removeWorkload(kube, apiUrl);
  const r = await kube.request('POST', rsUrl(apiUrl), { timeoutMs: 5000, body: workloadManifest(spec) });
  if (!r.ok) throw new Error(`cannot create ReplicaSet ${WORKLOAD_NAME}: ${r.error ?? `HTTP ${r.status}`}`);
  const until = performance.now() + timeoutMs;
  let last = new Map<string, string>();
  while (performance.now() < until) {
    last = await workloadPlacement(kube, apiUrl).catch(() => last);
    if (last.size >= spec.replicas && new Set(last.values()).size >= spec.replicas) return last;
    // One list a tenth of a second: the drill waits for this before its baseline.
    await sleep(100);
  }
  throw new Error(
    `the drill workload did not get ${spec.replicas} Running pod(s) on distinct nodes within ${timeoutMs / 1000} s ` +
      `(has ${[...last].map(([p, n]) => `${p}@${n}`).join(', ') || 'none'}): check that every worker is Ready and schedulable`,
  );
}

/** Deletes the ReplicaSet and its pods, and waits until the pods are gone (idempotent). */
export async function removeWorkload(kube: KubeAccess, apiUrl: string, timeoutMs = 30_000): Promise<void> {
  const del = await kube.request('DELETE', rsUrl(apiUrl, WORKLOAD_NAME), { timeoutMs: 5000 });
  if (!del.ok && del.status !== 404)
    throw new Error(`cannot delete ReplicaSet ${WORKLOAD_NAME}: ${del.error ?? `HTTP ${del.status}`}`);
  const until = performance.now() + timeoutMs;
  for (;;) {
    const pods = await kube.request(
      'DELETE',
      `${apiUrl}/api/v1/namespaces/${DRILL_NAMESPACE}/pods?labelSelector=${encodeURIComponent(WORKLOAD_SELECTOR)}`,
      { timeoutMs: 5000 },
    );
    if (!pods.ok && pods.status !== 404)
      throw new Error(`cannot delete the workload's pods: ${pods.error ?? `HTTP ${pods.status}`}`);
    const left = await getJson<V1PodList>(kube, podsUrl(apiUrl)).catch(() => undefined);
    if (left && (left.items ?? []).length === 0) return;
    if (performance.now() >= until)
      throw new Error(`the drill workload's pods are still there after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Sets the workload's replicas (GET + PUT with the current resourceVersion, retried on conflict). */
export async function scaleWorkload(kube: KubeAccess, apiUrl: string, replicas: number): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const rs = await getJson<V1ReplicaSet>(kube, rsUrl(apiUrl, WORKLOAD_NAME));
    const body = { ...rs, spec: { ...rs.spec!, replicas } };
    const r = await kube.request('PUT', rsUrl(apiUrl, WORKLOAD_NAME), { timeoutMs: 5000, body });
    if (r.ok) return;
    if (r.status !== 409)
      throw new Error(`cannot scale ${WORKLOAD_NAME} to ${replicas}: ${r.error ?? `HTTP ${r.status}`}`);
  }
  throw new Error(`cannot scale ${WORKLOAD_NAME} to ${replicas}: the ReplicaSet kept changing (409)`);
}

/** Note messages of the controllers-resume probe (the leader-kill recovery looks for RESUMED_NOTE). */
export const DEMAND_NOTE = 'controllers: demand';
export const CREATED_NOTE = 'controllers: replicaset reconciled';
export const RESUMED_NOTE = 'controllers: resumed';

export interface ResumeProbeOptions {
  /** `namespace/name` of the leader Lease to watch. */
  readonly lease: string;
  /** Replicas of the deployed workload; the demand scales it to one more. */
  readonly baseReplicas: number;
  /**
   * A holder renews every retry period: a renewTime unchanged for longer than this (ms) means the
   * leader is gone. The scenario passes 2 × retry period + 1 s.
   */
  readonly staleMs: number;
  readonly intervalMs?: number;
}

interface LeaseBody {
  spec?: { holderIdentity?: string; renewTime?: string };
}

/**
 * Proof that the controllers resume under a new leader: polls the Lease and, as soon as it shows
 * no live leader (released, not renewed for staleMs) or a new one, scales the drill workload by
 * one. The new pod then needs the ReplicaSet controller (kube-controller-manager) to be created
 * and kube-scheduler to be bound. Records the demand, the creation and the scheduling as notes,
 * each with the Lease holder at that moment.
 */
export function controllersResumeProbe(o: ResumeProbeOptions): Probe {
  return {
    name: 'controllers',
    async run(ctx) {
      const api = ctx.target.topology.apiUrl;
      const [ns, name] = o.lease.split('/', 2) as [string, string];
      const leaseUrl = `${api}/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`;
      let holder0: string | undefined;
      let lastRenew: string | undefined;
      let renewSeenAt = 0;
      let demandAt: number | undefined;
      let before = new Set<string>();
      let createdAt: number | undefined;
      let done = false;
      await every(o.intervalMs ?? 250, ctx.signal, ctx.maxRunMs, async () => {
        if (done) return;
        const lease = await getJson<LeaseBody>(ctx.kube, leaseUrl, 1000).catch(() => undefined);
        const now = ctx.nowMs();
        const holder = lease?.spec?.holderIdentity ?? '';
        if (lease) {
          if (holder0 === undefined) {
            // The pre-fault picture (and the baseline's sign that this probe sees the cluster).
            ctx.sink.note(`watching the controllers behind ${o.lease}, held by ${holder || '(none)'}`);
            holder0 = holder;
          }
          if (lease.spec?.renewTime !== lastRenew || renewSeenAt === 0) {
            lastRenew = lease.spec?.renewTime;
            renewSeenAt = now;
          }
        }
        if (demandAt === undefined) {
          if (!lease || holder0 === undefined) return;
          const trigger = !holder
            ? `${o.lease} released`
            : holder !== holder0
              ? `${o.lease} taken over by ${holder}`
              : now - renewSeenAt > o.staleMs
                ? `${o.lease} not renewed for ${Math.round(now - renewSeenAt)} ms`
                : undefined;
          if (!trigger) return;
          try {
            before = new Set((await workloadPods(ctx.kube, api)).map((p) => p.metadata?.name ?? ''));
            await scaleWorkload(ctx.kube, api, o.baseReplicas + 1);
          } catch (err) {
            // The API may be failing over too: record it and try again on the next tick.
            ctx.sink.error(err, 'controllers: scaling the workload');
            return;
          }
          demandAt = now;
          ctx.sink.note(`${DEMAND_NOTE}: ${WORKLOAD_NAME} scaled to ${o.baseReplicas + 1} (${trigger})`, {
            trigger,
            holder: holder || null,
            replicas: o.baseReplicas + 1,
          });
          return;
        }
        const pods = await workloadPods(ctx.kube, api).catch(() => undefined);
        const fresh = (pods ?? []).filter((p) => !before.has(p.metadata?.name ?? ''));
        if (createdAt === undefined && fresh[0]) {
          createdAt = now;
          ctx.sink.note(`${CREATED_NOTE}: pod ${fresh[0].metadata?.name} created`, {
            pod: fresh[0].metadata?.name,
            afterDemandMs: Math.round(now - demandAt),
            holder: holder || null,
          });
        }
        const bound = fresh.find((p) => p.spec?.nodeName);
        if (bound) {
          done = true;
          ctx.sink.note(`${RESUMED_NOTE}: pod ${bound.metadata?.name} scheduled on ${bound.spec?.nodeName}`, {
            pod: bound.metadata?.name,
            node: bound.spec?.nodeName,
            afterDemandMs: Math.round(now - demandAt),
            holder: holder || null,
          });
        }
      });
    },
  };
}
