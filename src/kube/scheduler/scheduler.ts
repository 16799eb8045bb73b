/**
 * The scheduling loop (I/O): while leading, list pods and nodes, bind each pending pod through the
 * pods/binding subresource to the node pickNode chooses, and record the pod as placed so the next
 * pod of the same owner spreads to another node. Polls every `periodMs` (default 500 ms).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../runtime/errors.ts';
import type { Clients } from '../runtime/kube.ts';
import type { Logger } from '../runtime/log.ts';
import { until } from '../runtime/loop.ts';
import { isPending, pickNode } from './decide.ts';

export class Scheduler {
  private readonly unschedulableLogged = new Map<string, string>();

  constructor(
    private readonly clients: Clients,
    private readonly log: Logger,
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
    if (pending.length === 0) return 0;
    const nodes = (await core.listNode()).items;
    const placed: V1Pod[] = pods.filter((p) => p.spec?.nodeName);
    let bound = 0;
    const byAge = [...pending].sort((a, b) =>
      String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)),
    );
    for (const pod of byAge) {
      if (signal?.aborted) break;
      const id = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      const { node, reasons } = pickNode(pod, nodes, placed);
      if (!node) {
        const why = `0/${nodes.length} nodes are available: ${Object.entries(reasons)
          .map(([n, r]) => `${n}: ${r}`)
          .join('; ')}`;
        if (this.unschedulableLogged.get(pod.metadata?.uid ?? '') !== why) {
          this.unschedulableLogged.set(pod.metadata?.uid ?? '', why);
          this.log('pod unschedulable', { pod: id, reason: why });
        }
        continue;
      }
      try {
        await core.createNamespacedPodBinding({
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
        this.unschedulableLogged.delete(pod.metadata?.uid ?? '');
        placed.push({
          ...pod,
          spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName: node },
        });
        bound++;
        this.log('pod bound', { pod: id, node });
      } catch (e) {
        if (isConflict(e) || isNotFound(e)) continue; // already bound or gone
        throw e;
      }
    }
    return bound;
  }
}
