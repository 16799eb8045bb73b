/**
 * The cluster lock made visible: a coordination.k8s.io Lease `kube-system/ha-drill` whose
 * holderIdentity names the drill holding the lock file (src/safety/cluster-lock.ts), so that
 * `kubectl -n kube-system get lease ha-drill` tells anyone a drill runs. Best effort: the lock
 * file decides; the Lease is written when the API answers, never awaited past its short timeout
 * and never a reason to fail. Written as upstream's Lease strategy demands: created with POST,
 * updated with the resourceVersion read (AllowUnconditionalUpdate is false: kubernetes
 * pkg/registry/coordination/lease/strategy.go), deleted only while it names us (with the uid and
 * resourceVersion read as preconditions).
 */
import type { V1Lease } from '@kubernetes/client-node';
import { messageOf } from '../util/errors.ts';

export const LOCK_LEASE = { namespace: 'kube-system', name: 'ha-drill' } as const;

/** An answer of the API (what src/probes/kube.ts KubeAccess.request returns). */
interface HttpResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
  readonly body?: string;
}

/** The one call the Lease needs (KubeAccess satisfies it). */
export interface LeaseApi {
  request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    opts: { timeoutMs: number; keepBody?: boolean; body?: unknown },
  ): Promise<HttpResult>;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 23)}000Z`;

const collection = (apiUrl: string) =>
  `${apiUrl}/apis/coordination.k8s.io/v1/namespaces/${LOCK_LEASE.namespace}/leases`;

const why = (r: HttpResult) => (r.status ? `HTTP ${r.status}` : (r.error ?? 'no answer'));

function read(api: LeaseApi, apiUrl: string, timeoutMs: number): Promise<HttpResult> {
  return api.request('GET', `${collection(apiUrl)}/${LOCK_LEASE.name}`, { timeoutMs, keepBody: true });
}

/**
 * Creates or updates the Lease to name `holder` for `durationS`; returns undefined when written,
 * else why not (for a log line). Never throws.
 */
export async function writeLockLease(
  api: LeaseApi,
  apiUrl: string,
  holder: string,
  durationS: number,
  timeoutMs = 3000,
): Promise<string | undefined> {
  try {
    const now = microTime(Date.now());
    const spec = {
      holderIdentity: holder,
      leaseDurationSeconds: Math.max(1, Math.min(2 ** 31 - 1, Math.round(durationS))),
      renewTime: now,
    };
    const cur = await read(api, apiUrl, timeoutMs);
    if (cur.status === 404) {
      const r = await api.request('POST', collection(apiUrl), {
        timeoutMs,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: LOCK_LEASE.name, namespace: LOCK_LEASE.namespace },
          spec: { ...spec, acquireTime: now },
        },
      });
      return r.ok ? undefined : `creating the Lease: ${why(r)}`;
    }
    if (!cur.ok || !cur.body) return `reading the Lease: ${why(cur)}`;
    const lease = JSON.parse(cur.body) as V1Lease;
    const same = lease.spec?.holderIdentity === holder;
    const r = await api.request('PUT', `${collection(apiUrl)}/${LOCK_LEASE.name}`, {
      timeoutMs,
      body: {
        ...lease,
        spec: {
          ...lease.spec,
          ...spec,
          ...(same ? {} : { acquireTime: now, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 }),
        },
      },
    });
    return r.ok ? undefined : `updating the Lease: ${why(r)}`;
  } catch (err) {
    return messageOf(err);
  }
}

/** Deletes the Lease if it still names `holder`; returns undefined when gone, else why not. Never throws. */
export async function deleteLockLease(
  api: LeaseApi,
  apiUrl: string,
  holder: string,
  timeoutMs = 3000,
): Promise<string | undefined> {
  try {
    const cur = await read(api, apiUrl, timeoutMs);
    if (cur.status === 404) return undefined;
    if (!cur.ok || !cur.body) return `reading the Lease: ${why(cur)}`;
    const lease = JSON.parse(cur.body) as V1Lease;
    if (lease.spec?.holderIdentity !== holder)
      return `the Lease names ${lease.spec?.holderIdentity ?? 'nobody'}`;
    const r = await api.request('DELETE', `${collection(apiUrl)}/${LOCK_LEASE.name}`, {
      timeoutMs,
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid: lease.metadata?.uid, resourceVersion: lease.metadata?.resourceVersion },
      },
    });
    return r.ok || r.status === 404 ? undefined : `deleting the Lease: ${why(r)}`;
  } catch (err) {
    return messageOf(err);
  }
}
