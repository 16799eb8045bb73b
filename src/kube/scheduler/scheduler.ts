/**
 * The scheduling loop (I/O): while leading, list pods and nodes, bind each pending, ungated pod
 * through the pods/binding subresource to the node pickNode chooses, and record the pod as placed
 * so the next pod of the same owner spreads to another node. Polls every `periodMs` (default
 * 500 ms).
 *
 * Metrics (metrics.ts): after each pass `scheduler_pending_pods` holds the pods still pending by
 * queue (active: not yet attempted or failed to bind; unschedulable: no node fits; gated; no
 * backoff queue here). A bind is a `scheduled` attempt and a failed bind an `error`. Upstream
 * retries an unschedulable pod only when the cluster changes (a queueing hint moves it back) or
 * after 5 min; this loop re-evaluates every pass, so an `unschedulable` attempt is counted when a
 * pod is first found unschedulable and whenever the reason changes (the nodes changed), not on
 * every pass.
 */
import { performance } from 'node:perf_hooks';
import type { V1Pod } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../runtime/errors.ts';
import type { Clients } from '../runtime/kube.ts';
import type { Logger } from '../runtime/log.ts';
import { until } from '../runtime/loop.ts';
import { DEFAULT_SCHEDULER, isGated, isPending, pickNode } from './decide.ts';
import type { Queue, SchedulerMetrics } from './metrics.ts';

export class Scheduler {
  private readonly unschedulableLogged = new Map<string, string>();

  constructor(
    private readonly clients: Clients,
    private readonly log: Logger,
    private readonly metrics?: SchedulerMetrics,
    private readonly periodMs = 500,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    this.log('scheduler loop started');
    await until({ periodMs: this.periodMs, signal, what: 'scheduling pass', log: this.log }, async () => {
      await this.scheduleOnce(signal);
    });
  }

  async scheduleOnce(signal?: AbortSignal): Promise<number> {
    const { core } = this.clients;
    const pods = (await core.listPodForAllNamespaces()).items;
    const pending = pods.filter(isPending);
    const queue = pending.filter((p) => !isGated(p));
    const counts: Record<Queue, number> = {
      active: queue.length,
      backoff: 0,
      unschedulable: 0,
      gated: pending.length - queue.length,
    };
    this.metrics?.pending(counts);
    if (queue.length === 0) return 0;
    const nodes = (await core.listNode()).items;
    const placed: V1Pod[] = pods.filter((p) => p.spec?.nodeName);
    let bound = 0;
    const byAge = [...queue].sort((a, b) =>
      String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)),
    );
    try {
      for (const pod of byAge) {
        if (signal?.aborted) break;
        if (await this.scheduleOne(pod, nodes, placed, counts)) bound++;
      }
    } finally {
      this.metrics?.pending(counts);
    }
    return bound;
  }

  /** One attempt for `pod`: true when it was bound; `counts` follows the pod out of the active queue. */
  private async scheduleOne(
    pod: V1Pod,
    nodes: Parameters<typeof pickNode>[1],
    placed: V1Pod[],
    counts: Record<Queue, number>,
  ): Promise<boolean> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const profile = pod.spec?.schedulerName ?? DEFAULT_SCHEDULER;
    const id = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    const { node, reasons } = pickNode(pod, nodes, placed);
    if (!node) {
      const why = `0/${nodes.length} nodes are available: ${Object.entries(reasons)
        .map(([n, r]) => `${n}: ${r}`)
        .join('; ')}`;
      counts.active--;
      counts.unschedulable++;
      if (this.unschedulableLogged.get(pod.metadata?.uid ?? '') !== why) {
        this.unschedulableLogged.set(pod.metadata?.uid ?? '', why);
        this.metrics?.attempt('unschedulable', profile, seconds());
        this.log('pod unschedulable', { pod: id, reason: why });
      }
      return false;
    }
    try {
      await this.clients.core.createNamespacedPodBinding({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? 'default',
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: {
            name: pod.metadata?.name,
            namespace: pod.metadata?.namespace,
            uid: pod.metadata?.uid,
          },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        },
      });
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) {
        counts.active--; // already bound or gone
        return false;
      }
      this.metrics?.attempt('error', profile, seconds());
      throw e;
    }
    counts.active--;
    this.metrics?.attempt('scheduled', profile, seconds());
    this.unschedulableLogged.delete(pod.metadata?.uid ?? '');
    placed.push({
      ...pod,
      spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName: node },
    });
    this.log('pod bound', { pod: id, node });
    return true;
  }
}
