/**
 * Taint eviction (I/O): every second while leading, look at the pods of each node with NoExecute
 * taints, keep each pod's scheduled eviction (decide.ts, upstream processPodOnNode) and delete the
 * pods whose time has come. Upstream reacts to informer events instead of polling, so its clock
 * starts within milliseconds of the taint being written; here it starts at the first pass that sees
 * it (up to one period later). Before deleting, the pod gets the DisruptionTarget condition
 * (reason DeletionByTaintManager, upstream addConditionAndDeletePod); deletion uses the pod's own
 * grace period, as upstream.
 */
import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../../runtime/errors.ts';
import { type Clients, deletePod } from '../../runtime/kube.ts';
import type { Logger } from '../../runtime/log.ts';
import { until } from '../../runtime/loop.ts';
import { noExecuteTaints, processPodOnNode, type ScheduledEviction } from './decide.ts';

export class TaintEvictionController {
  /** Scheduled evictions by `namespace/name` (upstream keys its timed work queue the same way). */
  private readonly scheduled = new Map<string, ScheduledEviction>();

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
    const nodes = (await core.listNode()).items.filter((n) => noExecuteTaints(n.spec?.taints).length > 0);
    const live = new Set<string>();
    for (const node of nodes) {
      const nodeName = node.metadata?.name ?? '';
      const taints = noExecuteTaints(node.spec?.taints);
      const pods = (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` })).items;
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp) continue;
        const id = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
        const prev = this.scheduled.get(id);
        const d = processPodOnNode(prev, pod.spec?.tolerations ?? [], taints, now);
        if (d.kind === 'none') continue;
        live.add(id);
        if (d.eviction !== prev) {
          this.scheduled.set(id, d.eviction);
          this.log('pod eviction scheduled', {
            pod: id,
            node: nodeName,
            taints: taints.map((x) => `${x.key}:${x.effect}`).join(','),
            at: new Date(d.eviction.fireAt).toISOString(),
          });
        }
        if (d.eviction.fireAt > now) continue;
        this.scheduled.delete(id);
        live.delete(id);
        await this.markDisruptionTarget(pod, now);
        if (await deletePod(core, pod)) {
          this.log('evicting pod: NoExecute taint not tolerated any longer', { pod: id, node: nodeName });
        }
      }
    }
    // upstream cancels the work of pods whose node lost its taints, that left, or tolerate forever
    for (const id of [...this.scheduled.keys()]) {
      if (live.has(id)) continue;
      this.scheduled.delete(id);
      this.log('pod eviction cancelled', { pod: id });
    }
  }

  /** Upstream addConditionAndDeletePod's status update (apipod.UpdatePodCondition). */
  private async markDisruptionTarget(pod: V1Pod, now: number): Promise<void> {
    const cond: V1PodCondition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByTaintManager',
      message: 'Taint manager: deleting due to NoExecute taint',
      lastTransitionTime: new Date(now),
    };
    const old = pod.status?.conditions?.find((c) => c.type === cond.type);
    if (old && old.status === cond.status && old.reason === cond.reason) return;
    const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== cond.type), cond];
    try {
      await this.clients.core.replaceNamespacedPodStatus({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? 'default',
        body: { ...pod, status: { ...pod.status, conditions } },
      });
    } catch (e) {
      // a newer pod version or a pod already gone: delete anyway (upstream retries the pair)
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }
}
