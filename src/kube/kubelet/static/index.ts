/**
 * Static pods (kubeadm's control plane): the kubelet runs the pods whose manifests are in
 * staticPodPath, without the API, and mirrors them into the API when it can.
 *
 * Concepts: the file source (source.ts: inotify + rescan → the desired set, pod UID from the
 * content: manifest.ts), the pod workers (pods.ts, container.ts: detached processes that outlive the
 * kubelet, adopted by the next one: process.ts; crash back-off: backoff.ts; httpGet probes:
 * probe.ts) and the mirror pods (mirror.ts, mirror-sync.ts).
 */
import type { Logger } from '../../runtime/log.ts';
import { type BackoffParams, UPSTREAM_BACKOFF } from './backoff.ts';
import { StaticPods } from './pods.ts';
import { FileSource } from './source.ts';

export type { BackoffParams } from './backoff.ts';
export { UPSTREAM_BACKOFF } from './backoff.ts';
export { isMirrorPod } from './mirror.ts';
export { MirrorSync } from './mirror-sync.ts';
export type { RunningStaticPod } from './pods.ts';

export interface StaticPodConfig {
  /** staticPodPath. */
  readonly dir: string;
  readonly fileCheckFrequencyMs: number;
  /** The kubelet's --root-dir (records under <rootDir>/pods). */
  readonly rootDir: string;
  readonly podLogsDir: string;
  readonly backoff?: BackoffParams;
  /** The PLEG relist period, ms (default upstream's 1 s; tests of the back-off use a short one). */
  readonly relistMs?: number;
}

export interface StaticPodRuntime {
  readonly pods: StaticPods;
  /** Stops watching and managing; every container keeps running (kubelet exit). */
  detach(): void;
}

/** Starts the file source and the pod workers; resolves after the first listing was applied. */
export async function startStaticPods(
  c: StaticPodConfig,
  node: { name: string; ip: string },
  log: Logger,
  changed: () => void,
): Promise<StaticPodRuntime> {
  const pods = new StaticPods({
    nodeIp: node.ip,
    rootDir: c.rootDir,
    podLogsDir: c.podLogsDir,
    backoff: c.backoff ?? UPSTREAM_BACKOFF,
    ...(c.relistMs !== undefined ? { relistMs: c.relistMs } : {}),
    log,
    changed,
  });
  let first: Promise<void> | undefined;
  const source = new FileSource({
    dir: c.dir,
    nodeName: node.name,
    periodMs: c.fileCheckFrequencyMs,
    log,
    onPods: (set) => {
      const applied = pods.set(set);
      first ??= applied;
    },
  });
  log('watching static pod path', { path: c.dir, fileCheckFrequencyMs: c.fileCheckFrequencyMs });
  await source.start();
  await first;
  return {
    pods,
    detach() {
      source.stop();
      pods.detach();
    },
  };
}
