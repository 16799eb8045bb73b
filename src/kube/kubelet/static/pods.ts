/**
 * The static pods this kubelet runs: the file source's desired set turned into running containers.
 *
 *  - A new UID starts its containers; a UID gone from the set is stopped gracefully (SIGTERM,
 *    terminationGracePeriodSeconds, SIGKILL) and its records removed. A changed manifest is a new
 *    UID: the old pod is stopped first and the new one starts after it terminated, because
 *    kubernetes/kubernetes pkg/kubelet/pod_workers.go (allowStaticPodStart,
 *    waitingToStartStaticPodsByFullname) never runs two static pods with the same full name at once.
 *  - A UID desired again while its pod terminates (the manifest moved out and back) starts anew
 *    once terminated (pod_workers.go `restartRequested`), not at the next full rescan.
 *  - On the first set after start, containers recorded under rootDir are adopted (process.ts), and
 *    recorded pods that are no longer desired are stopped (pkg/kubelet/kubelet_pods.go
 *    HandlePodCleanups kills running pods no source wants, once the sources are ready).
 *  - `detach()` (kubelet shutdown) leaves every container running.
 */
import type { V1ContainerStatus } from '@kubernetes/client-node';
import type { Logger } from '../../runtime/log.ts';
import type { BackoffParams } from './backoff.ts';
import { ContainerWorker } from './container.ts';
import type { StaticPod } from './manifest.ts';
import { type ContainerRecord, listRecords, removePodRecords, stopProcess } from './process.ts';

export interface StaticPodOptions {
  readonly nodeIp: string;
  readonly rootDir: string;
  readonly podLogsDir: string;
  readonly backoff: BackoffParams;
  /** The PLEG relist period, ms (default upstream's 1 s). */
  readonly relistMs?: number;
  readonly log: Logger;
  /** Called (synchronously) whenever a pod starts, stops or a container status changes. */
  readonly changed?: () => void;
}

export interface RunningStaticPod {
  readonly sp: StaticPod;
  readonly startedAt: Date;
  statuses(): V1ContainerStatus[];
  pid(container: string): number | undefined;
}

class PodWorker implements RunningStaticPod {
  readonly containers: ContainerWorker[];
  readonly startedAt = new Date();
  terminated: Promise<void> | undefined;
  /** Desired again while terminating: start the same UID anew once terminated. */
  restartRequested = false;

  constructor(
    readonly sp: StaticPod,
    o: StaticPodOptions,
  ) {
    this.containers = (sp.pod.spec?.containers ?? []).map(
      (c) =>
        new ContainerWorker(c, {
          pod: sp.pod,
          rootDir: o.rootDir,
          podLogsDir: o.podLogsDir,
          nodeIp: o.nodeIp,
          backoff: o.backoff,
          ...(o.relistMs !== undefined ? { relistMs: o.relistMs } : {}),
          log: o.log,
          changed: () => o.changed?.(),
        }),
    );
  }

  statuses(): V1ContainerStatus[] {
    return this.containers.map((c) => c.status());
  }

  pid(container: string): number | undefined {
    return this.containers.find((c) => c.name === container)?.pid;
  }
}

export class StaticPods {
  private readonly workers = new Map<string, PodWorker>();
  private records: Map<string, Map<string, ContainerRecord>> | undefined;
  /** Recorded pods no source wants, being stopped, by full name (a new version waits for them). */
  private readonly orphans = new Map<string, Promise<void>>();
  /** The source's latest desired set, by UID. */
  private desired = new Map<string, StaticPod>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly o: StaticPodOptions) {}

  /** The desired set from the source; changes are applied in order. Resolves once applied (stops run on). */
  set(pods: readonly StaticPod[]): Promise<void> {
    this.chain = this.chain
      .then(() => this.apply(pods))
      .catch((e) => this.o.log('static pods sync failed', { error: String(e) }));
    return this.chain;
  }

  /** The pods currently running or starting (not those being stopped). */
  running(): RunningStaticPod[] {
    return [...this.workers.values()].filter((w) => !w.terminated);
  }

  /** Kubelet shutdown: stop managing, leave every container process running. */
  detach(): void {
    for (const w of this.workers.values()) for (const c of w.containers) c.detach();
  }

  /** Waits for every stop in progress (tests). */
  async settled(): Promise<void> {
    await this.chain;
    await Promise.all([...this.workers.values()].map((w) => w.terminated));
  }

  private async apply(pods: readonly StaticPod[]): Promise<void> {
    const first = this.records === undefined;
    this.records ??= await listRecords(this.o.rootDir);
    const want = new Map(pods.map((p) => [p.uid, p]));
    if (first) {
      for (const [uid, recs] of this.records) {
        const r = [...recs.values()][0];
        if (want.has(uid) || !r) continue;
        const key = `${r.namespace}/${r.podName}`;
        this.orphans.set(
          key,
          this.killOrphan(uid, recs).finally(() => this.orphans.delete(key)),
        );
      }
    }
    this.desired = want;
    for (const [uid, w] of this.workers) if (!want.has(uid) && !w.terminated) this.stopPod(w);
    for (const p of pods) {
      const w = this.workers.get(p.uid);
      if (!w) this.startPod(p);
      else if (w.terminated && !w.restartRequested) this.restartAfter(w);
    }
  }

  /**
   * The same UID desired again while its pod is still terminating (a manifest moved out of the
   * directory and back, as a maintenance cycle does): it starts anew once terminated, if still
   * desired then. Upstream pkg/kubelet/pod_workers.go `restartRequested` ("the pod worker was
   * informed the pod is expected to exist after it has been killed"), honoured by SyncKnownPods
   * at the next housekeeping (every 2 s); here at once.
   */
  private restartAfter(w: PodWorker): void {
    w.restartRequested = true;
    void w.terminated!.then(() => {
      const p = this.desired.get(w.sp.uid);
      if (p && !this.workers.has(p.uid)) {
        this.o.log('static pod restart requested while terminating', { pod: p.key, uid: p.uid });
        this.startPod(p);
      }
    });
  }

  private stopPod(w: PodWorker): void {
    this.o.log('static pod stopping', { pod: w.sp.key, uid: w.sp.uid });
    w.terminated = (async () => {
      await Promise.all(w.containers.map((c) => c.stop()));
      await removePodRecords(this.o.rootDir, w.sp.uid);
      this.workers.delete(w.sp.uid);
      this.o.log('static pod stopped', { pod: w.sp.key, uid: w.sp.uid });
      this.o.changed?.();
    })();
    this.o.changed?.();
  }

  private startPod(p: StaticPod): void {
    const w = new PodWorker(p, this.o);
    // same full name still terminating (an older version of the manifest): start after it
    const before = [...this.workers.values()]
      .filter((x) => x.sp.key === p.key && x.terminated)
      .map((x) => x.terminated)
      .concat(this.orphans.get(p.key) ?? []);
    this.workers.set(p.uid, w);
    const recs = this.records?.get(p.uid);
    void Promise.all(before).then(async () => {
      if (this.workers.get(p.uid) !== w || w.terminated) return;
      this.o.log('static pod starting', { pod: p.key, uid: p.uid, file: p.file });
      await Promise.all(w.containers.map((c) => c.start(recs?.get(c.name))));
    });
    this.o.changed?.();
  }

  private async killOrphan(uid: string, recs: Map<string, ContainerRecord>): Promise<void> {
    for (const [name, r] of recs) {
      this.o.log('killing unwanted static pod container', {
        pod: `${r.namespace}/${r.podName}`,
        container: name,
        pid: r.pid,
      });
      await stopProcess(r.pid, r.startTicks, r.terminationGracePeriodSeconds * 1000);
    }
    await removePodRecords(this.o.rootDir, uid);
  }
}
