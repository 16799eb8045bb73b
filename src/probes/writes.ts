/**
 * The write probe behind RPO: sequence-numbered ConfigMaps created through the load balancer
 * every intervalMs (default 200 ms), each acknowledgement and failure recorded; after recovery
 * `readBack` lists what exists and records which acknowledged writes are missing. Only
 * acknowledged writes count: a write that timed out may or may not have landed.
 */
import type { TimelineEvent } from '../timeline/events.ts';
import type { EventSink } from '../timeline/recorder.ts';
import type { KubeAccess } from './kube.ts';
import { every } from './loop.ts';
import type { Probe } from './types.ts';

export const DRILL_NAMESPACE = 'ha-drill';
export const RUN_LABEL = 'ha-drill/run';

export const writeName = (runId: string, seq: number): string => `w-${runId}-${String(seq).padStart(6, '0')}`;

export function writeProbe(runId: string, o: { intervalMs?: number; timeoutMs?: number } = {}): Probe {
  return {
    name: 'writes',
    async run(ctx) {
      let seq = 0;
      const url = `${ctx.target.topology.apiUrl}/api/v1/namespaces/${DRILL_NAMESPACE}/configmaps`;
      await every(o.intervalMs ?? 200, ctx.signal, ctx.maxRunMs, async () => {
        seq += 1;
        const name = writeName(runId, seq);
        const sentAt = ctx.nowMs();
        const r = await ctx.kube.request('POST', url, {
          timeoutMs: o.timeoutMs ?? 1000,
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name, namespace: DRILL_NAMESPACE, labels: { [RUN_LABEL]: runId } },
            data: { seq: String(seq), sentAtMs: String(Math.round(sentAt)) },
          },
        });
        if (r.ok)
          ctx.sink.record(
            { type: 'write.ack', seq, object: name, latencyMs: Math.round(r.latencyMs) },
            sentAt,
          );
        else
          ctx.sink.record(
            {
              type: 'write.fail',
              seq,
              object: name,
              error: r.error ?? `HTTP ${r.status}`,
              latencyMs: Math.round(r.latencyMs),
            },
            sentAt,
          );
      });
    },
  };
}

interface ConfigMapList {
  items?: { metadata?: { name?: string }; data?: Record<string, string> }[];
}

/** Lists the run's objects through the LB and records which acknowledged writes are missing. */
export async function readBack(
  kube: KubeAccess,
  apiUrl: string,
  runId: string,
  events: readonly TimelineEvent[],
  sink: EventSink,
): Promise<{ present: number[]; missing: number[] }> {
  const acked = events.filter((e) => e.type === 'write.ack').map((e) => (e.type === 'write.ack' ? e.seq : 0));
  const url = `${apiUrl}/api/v1/namespaces/${DRILL_NAMESPACE}/configmaps?labelSelector=${encodeURIComponent(`${RUN_LABEL}=${runId}`)}`;
  const r = await kube.get(url, { timeoutMs: 10_000, keepBody: true });
  if (!r.ok || !r.body)
    throw new Error(`read-back of the write probe's objects failed: ${r.error ?? `HTTP ${r.status}`}`);
  const found = new Set(
    ((JSON.parse(r.body) as ConfigMapList).items ?? [])
      .map((i) => Number(i.data?.seq))
      .filter(Number.isFinite),
  );
  const present = acked.filter((s) => found.has(s));
  const missing = acked.filter((s) => !found.has(s));
  sink.record({ type: 'readback', present, missing });
  return { present, missing };
}

/** Creates the drill namespace the write probe writes into, if missing. */
export async function ensureDrillNamespace(kube: KubeAccess, apiUrl: string): Promise<void> {
  const get = await kube.get(`${apiUrl}/api/v1/namespaces/${DRILL_NAMESPACE}`, { timeoutMs: 5000 });
  if (get.ok) return;
  const r = await kube.request('POST', `${apiUrl}/api/v1/namespaces`, {
    timeoutMs: 5000,
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DRILL_NAMESPACE } },
  });
  if (!r.ok && r.status !== 409)
    throw new Error(`cannot create namespace ${DRILL_NAMESPACE}: ${r.error ?? `HTTP ${r.status}`}`);
}

/** Removes the run's write-probe objects (best effort, after the read-back). */
export async function cleanupWrites(kube: KubeAccess, apiUrl: string, runId: string): Promise<void> {
  const sel = encodeURIComponent(`${RUN_LABEL}=${runId}`);
  await kube.request(
    'DELETE',
    `${apiUrl}/api/v1/namespaces/${DRILL_NAMESPACE}/configmaps?labelSelector=${sel}`,
    {
      timeoutMs: 10_000,
    },
  );
}
