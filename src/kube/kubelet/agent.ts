/**
 * The kubelet agent's loops (I/O): register the Node, renew kube-node-lease/<node> every 1/4 of the
 * lease duration, post the Ready heartbeat every nodeStatusUpdateFrequency, and run the pods bound to
 * the node (Running/Ready after the start delay; deletion finished with gracePeriodSeconds 0).
 * Every loop retries through API/LB outages; nothing is cleaned up on kill, so a SIGKILL or SIGSTOP
 * stops every heartbeat at once.
 *
 * With a staticPodPath the static pods start first, before and independently of registration (the
 * apiserver may be one of them: upstream's kubelet runs file-source pods in standalone mode too);
 * their mirror pods follow once the Node exists. Mirror pods seen by the pod watch are not "run"
 * (pkg/kubelet/pod/pod_manager.go keeps them apart) but wake the mirror sync, so a deleted mirror
 * pod is recreated at once. On shutdown static pod containers are left running (static/process.ts).
 */
import type { KubeConfig, V1Lease, V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import { errText, isConflict, isNotFound } from '../runtime/errors.ts';
import { type Clients, deletePod } from '../runtime/kube.ts';
import type { Logger } from '../runtime/log.ts';
import { failureTracker, nextBackoff, sleep, until } from '../runtime/loop.ts';
import { runReflector } from '../runtime/reflector.ts';
import type { RuntimeView } from './metrics.ts';
import { heartbeatConditions, NODE_LEASE_NAMESPACE, nodeLease, nodeObject } from './node.ts';
import { podAction, podIp, runningStatus } from './pods.ts';
import { isMirrorPod, MirrorSync, type StaticPodConfig, startStaticPods } from './static/index.ts';

export interface KubeletOptions {
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly leaseDurationS: number;
  readonly statusUpdateMs: number;
  readonly podStartDelayMs: number;
  readonly clients: Clients;
  readonly kc: KubeConfig;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Taints the Node is created with (--register-with-taints). */
  readonly registerWithTaints?: readonly V1Taint[];
  /** Run the static pods of this directory (kubeadm's /etc/kubernetes/manifests). */
  readonly staticPods?: StaticPodConfig;
  /** Filled in with what runs, for the metrics (metrics.ts). */
  readonly view?: RuntimeView;
}

export async function registerNode(o: KubeletOptions): Promise<V1Node> {
  const track = failureTracker(o.log, 'node registration');
  let backoff = 200;
  while (!o.signal.aborted) {
    try {
      const node = await o.clients.core.createNode({
        body: nodeObject({ name: o.nodeName, ip: o.nodeIp, taints: o.registerWithTaints }, new Date()),
      });
      o.log('node registered', { node: o.nodeName, ip: o.nodeIp });
      track.ok();
      return node;
    } catch (e) {
      if (isConflict(e)) {
        const node = await o.clients.core.readNode({ name: o.nodeName }).catch((e2) => {
          track.fail(e2);
          return undefined;
        });
        if (node) {
          o.log('node already registered', { node: o.nodeName });
          track.ok();
          return node;
        }
      } else track.fail(e);
    }
    await sleep(backoff, o.signal);
    backoff = nextBackoff(backoff, 200, 7000);
  }
  throw new Error('stopped before the node was registered');
}

/** One heartbeat: read the Node, refresh conditions, PUT status (retried on conflict, as upstream's 5 tries). */
export async function postNodeStatus(o: KubeletOptions): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 5; i++) {
    let node: V1Node;
    try {
      node = await o.clients.core.readNode({ name: o.nodeName });
    } catch (e) {
      if (isNotFound(e)) {
        o.log('node object missing, registering again', { node: o.nodeName });
        node = await registerNode(o);
      } else throw e;
    }
    const wasReady = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    node.status = { ...node.status, conditions: heartbeatConditions(node.status?.conditions, new Date()) };
    try {
      await o.clients.core.replaceNodeStatus({ name: o.nodeName, body: node });
      if (wasReady !== 'True')
        o.log('node status Ready=True posted', { node: o.nodeName, was: wasReady ?? 'none' });
      return;
    } catch (e) {
      last = e;
      if (!isConflict(e)) throw e;
    }
  }
  throw last;
}

const statusLoop = (o: KubeletOptions): Promise<void> =>
  until({ periodMs: o.statusUpdateMs, signal: o.signal, what: 'node status update', log: o.log }, () =>
    postNodeStatus(o),
  );

/** Renews the node lease every leaseDuration/4; on failure retries with backoff (200 ms .. interval). */
async function leaseLoop(o: KubeletOptions, nodeUid: string | undefined): Promise<void> {
  const interval = (o.leaseDurationS * 1000) / 4;
  let cached: V1Lease | undefined;
  const loop = { periodMs: interval, retryMs: 200, signal: o.signal, what: 'node lease renewal', log: o.log };
  await until(loop, async () => {
    const now = new Date();
    const want = nodeLease(o.nodeName, o.leaseDurationS, now, { uid: nodeUid });
    if (cached) {
      try {
        cached = await o.clients.coord.replaceNamespacedLease({
          name: o.nodeName,
          namespace: NODE_LEASE_NAMESPACE,
          body: { ...cached, spec: want.spec },
        });
      } catch (e) {
        if (!isConflict(e) && !isNotFound(e)) throw e;
        cached = undefined;
      }
    }
    if (!cached) {
      try {
        const cur = await o.clients.coord.readNamespacedLease({
          name: o.nodeName,
          namespace: NODE_LEASE_NAMESPACE,
        });
        cached = await o.clients.coord.replaceNamespacedLease({
          name: o.nodeName,
          namespace: NODE_LEASE_NAMESPACE,
          body: { ...cur, spec: want.spec },
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
        cached = await o.clients.coord.createNamespacedLease({
          namespace: NODE_LEASE_NAMESPACE,
          body: want,
        });
        o.log('node lease created', {
          lease: `${NODE_LEASE_NAMESPACE}/${o.nodeName}`,
          durationS: o.leaseDurationS,
        });
      }
    }
  });
}

/** Runs the pods bound to this node. */
class PodRunner {
  private readonly cache = new Map<string, V1Pod>();
  private readonly startTimers = new Map<string, NodeJS.Timeout>();
  private readonly busy = new Set<string>();
  private ipCounter = 0;

  constructor(
    private readonly o: KubeletOptions,
    private readonly mirror?: MirrorSync,
  ) {}

  sync(items: V1Pod[]): void {
    const seen = new Set<string>();
    if (items.some(isMirrorPod)) this.mirror?.kick();
    for (const p of items.filter((x) => !isMirrorPod(x))) {
      const uid = p.metadata?.uid ?? '';
      seen.add(uid);
      this.cache.set(uid, p);
      this.handle(p);
    }
    for (const uid of [...this.cache.keys()]) if (!seen.has(uid)) this.forget(uid);
  }

  event(type: string, p: V1Pod): void {
    if (isMirrorPod(p)) {
      this.mirror?.kick();
      return;
    }
    const uid = p.metadata?.uid ?? '';
    if (type === 'DELETED') {
      this.forget(uid);
      return;
    }
    this.cache.set(uid, p);
    this.handle(p);
  }

  resync(): void {
    for (const p of this.cache.values()) this.handle(p);
  }

  /** The pods from the API this kubelet reported Running. */
  running(): V1Pod[] {
    return [...this.cache.values()].filter((p) => p.status?.phase === 'Running');
  }

  stop(): void {
    for (const t of this.startTimers.values()) clearTimeout(t);
    this.startTimers.clear();
  }

  private forget(uid: string): void {
    this.cache.delete(uid);
    const t = this.startTimers.get(uid);
    if (t) clearTimeout(t);
    this.startTimers.delete(uid);
  }

  private handle(p: V1Pod): void {
    const uid = p.metadata?.uid ?? '';
    const action = podAction(p, this.o.nodeName);
    if (action === 'delete') void this.once(uid, () => this.deletePod(p));
    else if (action === 'repost') void this.once(uid, () => this.postRunning(uid));
    else if (action === 'start' && !this.startTimers.has(uid)) {
      const t = setTimeout(() => {
        void this.once(uid, () => this.postRunning(uid));
      }, this.o.podStartDelayMs);
      this.startTimers.set(uid, t);
    }
  }

  private async once(uid: string, fn: () => Promise<void>): Promise<void> {
    if (this.busy.has(uid)) return;
    this.busy.add(uid);
    try {
      await fn();
    } catch (e) {
      this.o.log('pod update failed, will retry', { uid, error: errText(e) });
    } finally {
      this.busy.delete(uid);
    }
  }

  private async deletePod(p: V1Pod): Promise<void> {
    if (await deletePod(this.o.clients.core, p, 0))
      this.o.log('pod terminated', { pod: `${p.metadata?.namespace}/${p.metadata?.name}` });
  }

  private async postRunning(uid: string): Promise<void> {
    this.startTimers.delete(uid);
    const cached = this.cache.get(uid);
    if (!cached) return;
    const name = cached.metadata?.name ?? '';
    const namespace = cached.metadata?.namespace ?? 'default';
    let pod: V1Pod;
    try {
      pod = await this.o.clients.core.readNamespacedPod({ name, namespace });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    if (pod.metadata?.uid !== uid) return;
    const action = podAction(pod, this.o.nodeName);
    if (action !== 'start' && action !== 'repost') return;
    pod.status = runningStatus(pod, this.o.nodeIp, podIp(this.o.nodeIp, this.ipCounter++), new Date());
    await this.o.clients.core.replaceNamespacedPodStatus({ name, namespace, body: pod });
    this.o.log(action === 'start' ? 'pod running' : 'pod status restored', {
      pod: `${namespace}/${name}`,
      ip: pod.status.podIP,
    });
  }
}

async function podLoop(o: KubeletOptions, mirror?: MirrorSync): Promise<void> {
  const runner = new PodRunner(o, mirror);
  if (o.view) o.view.apiPods = () => runner.running();
  const fieldSelector = `spec.nodeName=${o.nodeName}`;
  const resync = setInterval(() => runner.resync(), Math.max(1000, o.statusUpdateMs));
  try {
    await runReflector<V1Pod>({
      name: 'pods',
      kc: o.kc,
      list: () => o.clients.core.listPodForAllNamespaces({ fieldSelector }),
      path: '/api/v1/pods',
      query: { fieldSelector },
      onSync: (items) => runner.sync(items),
      onEvent: (type, pod) => runner.event(type, pod),
      log: o.log,
      signal: o.signal,
    });
  } finally {
    clearInterval(resync);
    runner.stop();
  }
}

/**
 * The standalone kubelet (no --kubeconfig: kubeadm's external-etcd hosts run their etcd member so,
 * website setup-ha-etcd-with-kubeadm.md): the static pods only, until the signal; nothing is
 * registered or mirrored. Without a staticPodPath it has nothing to do but wait.
 */
export async function runStandaloneKubelet(
  o: Pick<KubeletOptions, 'nodeName' | 'nodeIp' | 'log' | 'signal' | 'view' | 'staticPods'>,
): Promise<void> {
  const statics = o.staticPods
    ? await startStaticPods(o.staticPods, { name: o.nodeName, ip: o.nodeIp }, o.log, () => {})
    : undefined;
  if (statics && o.view) o.view.staticPods = () => statics.pods.running();
  try {
    await new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      else o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    statics?.detach();
  }
}

export async function runKubelet(o: KubeletOptions): Promise<void> {
  let mirror: MirrorSync | undefined;
  const statics = o.staticPods
    ? await startStaticPods(o.staticPods, { name: o.nodeName, ip: o.nodeIp }, o.log, () => mirror?.kick())
    : undefined;
  if (statics && o.view) o.view.staticPods = () => statics.pods.running();
  try {
    const node = await registerNode(o);
    if (statics) {
      mirror = new MirrorSync({
        nodeName: o.nodeName,
        nodeIp: o.nodeIp,
        core: o.clients.core,
        pods: () => statics.pods.running(),
        log: o.log,
      });
    }
    await Promise.all([
      statusLoop(o),
      leaseLoop(o, node.metadata?.uid),
      podLoop(o, mirror),
      ...(mirror ? [mirror.run(o.signal, o.statusUpdateMs)] : []),
    ]);
  } finally {
    statics?.detach();
  }
}
