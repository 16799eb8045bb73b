/**
 * Taint eviction (I/O): while leading, look at the pods of each node with NoExecute taints, keep
 * each pod's scheduled eviction (decide.ts, upstream processPodOnNode) and delete the pods whose
 * time has come. As upstream (pkg/controller/tainteviction/taint_eviction.go: node informer
 * events → handleNodeUpdate; TimedWorkerQueue fires each eviction with its own timer at fireAt), a
 * pass runs on every node watch event (so the toleration's clock starts within milliseconds of the
 * taint being written) and at the next scheduled eviction's time, besides a periodic resync (1 s:
 * pods that appear on a tainted node; upstream's pod informer). Without a kubeconfig to watch with
 * (tests), only the resync and the fire times drive it. Before deleting, the pod gets the
 * DisruptionTarget condition (reason DeletionByTaintManager, upstream addConditionAndDeletePod);
 * deletion uses the pod's own grace period, as upstream.
 */
import type { KubeConfig, V1Node, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../../runtime/errors.ts';
import { type Clients, deletePod } from '../../runtime/kube.ts';
import type { Logger } from '../../runtime/log.ts';
import { failureTracker } from '../../runtime/loop.ts';
import { runReflector } from '../../runtime/reflector.ts';
import { noExecuteTaints, processPodOnNode, type ScheduledEviction } from './decide.ts';

export class TaintEvictionController {
  /** Scheduled evictions by `namespace/name` (upstream keys its timed work queue the same way). */
  private readonly scheduled = new Map<string, ScheduledEviction>();

  /** Wakes the loop for a pass now (a node changed). */
  private wake: () => void = () => {};
  private woken = false;

  constructor(
    private readonly clients: Clients,
    private readonly log: Logger,
    private readonly o: { readonly kc?: KubeConfig; readonly periodMs?: number } = {},
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    const periodMs = this.o.periodMs ?? 1000;
    const track = failureTracker(this.log, 'taint eviction pass');
    const nodes = this.o.kc
      ? runReflector<V1Node>({
          name: 'taint eviction node watch',
          kc: this.o.kc,
          list: () => this.clients.core.listNode(),
          path: '/api/v1/nodes',
          onSync: () => this.kick(),
          onEvent: () => this.kick(),
          log: this.log,
          signal,
        })
      : Promise.resolve();
    while (!signal.aborted) {
      this.woken = false;
      let failed = false;
      try {
        await this.passOnce(Date.now());
        track.ok();
      } catch (e) {
        if (signal.aborted) break;
        track.fail(e);
        failed = true;
      }
      // The next pass: at once if a node changed meanwhile, else at the next eviction's time or the resync.
      const next = Math.min(...[...this.scheduled.values()].map((e) => e.fireAt));
      const wait = failed ? periodMs : Math.max(0, Math.min(periodMs, next - Date.now()));
      if (!this.woken) await this.sleepOrWake(wait, signal);
    }
    await nodes;
  }

  private kick(): void {
    this.woken = true;
    this.wake();
  }

  private sleepOrWake(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.wake = () => {};
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
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
