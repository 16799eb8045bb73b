/**
 * Taint eviction (I/O): every second while leading, for each node with NoExecute taints, delete the pods
 * whose eviction time (decide.ts) has come. Deletion uses the pod's own grace period, as upstream.
 */
import type { V1Taint } from '@kubernetes/client-node';
import { type Clients, deletePod } from '../../runtime/kube.ts';
import type { Logger } from '../../runtime/log.ts';
import { until } from '../../runtime/loop.ts';
import { evictionTime } from './decide.ts';

export class TaintEvictionController {
  private readonly firstSeen = new Map<string, number>();
  private readonly logged = new Set<string>();

  constructor(
    private readonly clients: Clients,
    private readonly log: Logger,
    private readonly periodMs = 1000,
  ) {}

  run(signal: AbortSignal): Promise<void> {
    return until({ periodMs: this.periodMs, signal, what: 'taint eviction pass', log: this.log }, () =>
      this.passOnce(Date.now()),
    );
  }

  async passOnce(now: number): Promise<void> {
    const { core } = this.clients;
    const nodes = (await core.listNode()).items.filter((n) =>
      n.spec?.taints?.some((t) => t.effect === 'NoExecute'),
    );
    const live = new Set<string>();
    for (const node of nodes) {
      const nodeName = node.metadata?.name ?? '';
      const seen = (t: V1Taint) => {
        const k = `${nodeName}/${t.key}`;
        live.add(k);
        if (!this.firstSeen.has(k)) this.firstSeen.set(k, now);
        return this.firstSeen.get(k) ?? now;
      };
      const pods = (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` })).items;
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp) continue;
        const d = evictionTime(pod, node.spec?.taints, seen);
        const id = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
        if (d.kind !== 'at') continue;
        if (d.at > now) {
          if (!this.logged.has(`${pod.metadata?.uid}`)) {
            this.logged.add(`${pod.metadata?.uid}`);
            this.log('pod eviction scheduled', {
              pod: id,
              node: nodeName,
              taint: d.taint,
              at: new Date(d.at).toISOString(),
            });
          }
          continue;
        }
        if (await deletePod(core, pod)) {
          this.log('evicting pod: NoExecute taint not tolerated any longer', {
            pod: id,
            node: nodeName,
            taint: d.taint,
          });
        }
      }
    }
    for (const k of [...this.firstSeen.keys()]) if (!live.has(k)) this.firstSeen.delete(k);
  }
}
