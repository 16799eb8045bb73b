/**
 * Keeps this node's mirror pods in step with its static pods (I/O; the rules are in mirror.ts):
 * one reconcile lists the node's pods, deletes outdated, terminating or orphaned mirror pods,
 * creates missing ones and posts changed statuses. It runs when a static pod or container status
 * changes, when the pod watch reports a mirror pod (e.g. `kubectl delete`), and every resync
 * period; runs are serialized and coalesced. API errors never reach the static pods: they only
 * delay the mirror pods (the apiserver may itself be one of the static pods).
 */
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { errText, isConflict, isNotFound, statusCode } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/log.ts';
import { failureTracker, sleep } from '../../runtime/loop.ts';
import { isMirrorPod, isMirrorPodOf, mirrorPodFor, mirrorStatus, statusKey } from './mirror.ts';
import type { RunningStaticPod } from './pods.ts';

export interface MirrorSyncOptions {
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly core: CoreV1Api;
  readonly pods: () => RunningStaticPod[];
  readonly log: Logger;
}

export class MirrorSync {
  private nodeUid: string | undefined;
  private wake: (() => void) | undefined;
  private pending = false;

  constructor(private readonly o: MirrorSyncOptions) {}

  /** Asks for a reconcile soon (coalesced with any already asked for). */
  kick(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Reconciles on every kick and every `resyncMs` until `signal` aborts; retries failures after 200 ms .. resync. */
  async run(signal: AbortSignal, resyncMs: number): Promise<void> {
    const track = failureTracker(this.o.log, 'mirror pod sync');
    let retry = 200;
    while (!signal.aborted) {
      this.pending = false;
      let wait = resyncMs;
      try {
        await this.reconcile();
        track.ok();
        retry = 200;
        if (this.pending) continue;
      } catch (e) {
        track.fail(e);
        wait = retry;
        retry = Math.min(resyncMs, retry * 2);
      }
      const ac = new AbortController();
      const onAbort = () => ac.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (wait === resyncMs) this.wake = () => ac.abort();
      // a kick wakes the loop, but not more often than every 50 ms
      await sleep(wait, ac.signal);
      this.wake = undefined;
      signal.removeEventListener('abort', onAbort);
      await sleep(50, signal);
    }
  }

  private async node(): Promise<string> {
    this.nodeUid ??= (await this.o.core.readNode({ name: this.o.nodeName })).metadata?.uid;
    if (!this.nodeUid) throw new Error(`node ${this.o.nodeName} has no uid`);
    return this.nodeUid;
  }

  private async deleteMirror(p: V1Pod, why: string): Promise<void> {
    try {
      await this.o.core.deleteNamespacedPod({
        name: p.metadata?.name ?? '',
        namespace: p.metadata?.namespace ?? '',
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: p.metadata?.uid } },
      });
      this.o.log('mirror pod deleted', { pod: `${p.metadata?.namespace}/${p.metadata?.name}`, why });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  async reconcile(): Promise<void> {
    const list = await this.o.core.listPodForAllNamespaces({
      fieldSelector: `spec.nodeName=${this.o.nodeName}`,
    });
    const mirrors = new Map<string, V1Pod>();
    for (const p of list.items)
      if (isMirrorPod(p)) mirrors.set(`${p.metadata?.namespace}/${p.metadata?.name}`, p);
    const running = this.o.pods();
    const wanted = new Set(running.map((r) => r.sp.key));
    for (const [key, m] of mirrors) if (!wanted.has(key)) await this.deleteMirror(m, 'static pod gone');
    for (const r of running) {
      let m = mirrors.get(r.sp.key);
      if (m && (m.metadata?.deletionTimestamp || !isMirrorPodOf(m, r.sp))) {
        await this.deleteMirror(m, m.metadata?.deletionTimestamp ? 'being deleted' : 'outdated');
        m = undefined;
      }
      const namespace = r.sp.pod.metadata?.namespace ?? 'default';
      const name = r.sp.pod.metadata?.name ?? '';
      if (!m) {
        const body = mirrorPodFor(r.sp, { name: this.o.nodeName, uid: await this.node() });
        try {
          m = await this.o.core.createNamespacedPod({ namespace, body });
          this.o.log('mirror pod created', { pod: r.sp.key });
        } catch (e) {
          if (statusCode(e) !== 409) throw e;
          m = await this.o.core.readNamespacedPod({ name, namespace });
          if (!isMirrorPodOf(m, r.sp))
            throw new Error(`${r.sp.key}: a pod that is not its mirror holds the name (${errText(e)})`);
        }
      }
      const status = mirrorStatus(r.sp, r.statuses(), this.o.nodeIp, r.startedAt, m.status, new Date());
      if (statusKey(status) === statusKey(m.status)) continue;
      try {
        await this.o.core.replaceNamespacedPodStatus({ name, namespace, body: { ...m, status } });
      } catch (e) {
        if (!isConflict(e) && !isNotFound(e)) throw e;
        this.kick(); // changed meanwhile: next round
      }
    }
  }
}
