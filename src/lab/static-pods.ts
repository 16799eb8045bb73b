/**
 * The static pods of the lab's control planes as the machine sees them: which manifests a host
 * has (live in /etc/kubernetes/manifests or parked by a drill) and the processes its kubelet runs
 * for them, found as on a node — by process name (comm) among the processes of the host's own PID
 * namespace — but numbered as the machine numbers them, so `lab status` and tests can compare
 * them with the supervisor's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { procStat } from '../kube/kubelet/static/process.ts';
import { commName, MANIFEST_DIR, PARKED_DIR } from '../targets/kubeadm-static-pod.ts';
import type { LabConfig, LabHost } from './config.ts';
import { etcdTopology } from './config.ts';
import { hostPid, hostRoot } from './host.ts';
import { STATIC_POD_NAMES, type StaticPodName } from './kubeadm/index.ts';

export { STATIC_POD_NAMES, type StaticPodName } from './kubeadm/index.ts';

export const isStaticPod = (name: string): name is StaticPodName =>
  (STATIC_POD_NAMES as readonly string[]).includes(name);

export type Manifest = 'live' | 'parked' | 'missing';

export interface StaticPodState {
  readonly name: StaticPodName;
  readonly manifest: Manifest;
  /** The live (not zombie) processes named like the pod's binary, machine pids, oldest first. */
  readonly pids: readonly number[];
}

const nsOf = (pid: number): string | undefined => {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
};

/**
 * The live processes of each host's PID namespace, in one pass over /proc: host → comm → machine
 * pids (ascending). A host that is not running has none.
 */
export function hostsProcesses(
  stateDir: string,
  hosts: readonly string[],
): Map<string, Map<string, number[]>> {
  const out = new Map(hosts.map((h) => [h, new Map<string, number[]>()] as const));
  const hostOfNs = new Map<string, string>();
  for (const h of hosts) {
    const inside = hostPid(stateDir, h);
    const ns = inside === undefined ? undefined : nsOf(inside);
    if (ns !== undefined) hostOfNs.set(ns, h);
  }
  if (hostOfNs.size === 0) return out;
  for (const d of fs.readdirSync('/proc')) {
    const pid = Number(d);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const host = hostOfNs.get(nsOf(pid) ?? '');
    if (host === undefined) continue;
    const st = procStat(pid);
    if (!st || st.state === 'Z' || st.state === 'X') continue; // exited meanwhile, or a zombie
    const procs = out.get(host)!;
    procs.set(st.comm, [...(procs.get(st.comm) ?? []), pid]);
  }
  for (const procs of out.values()) for (const pids of procs.values()) pids.sort((a, b) => a - b);
  return out;
}

export function manifestState(stateDir: string, host: string, pod: StaticPodName): Manifest {
  const root = hostRoot(stateDir, host);
  if (fs.existsSync(path.join(root, MANIFEST_DIR, `${pod}.yaml`))) return 'live';
  if (fs.existsSync(path.join(root, PARKED_DIR, `${pod}.yaml`))) return 'parked';
  return 'missing';
}

/**
 * The static pods a host runs: a control plane's four (three with external etcd), etcd alone on
 * an external etcd host, none elsewhere.
 */
export function staticPodNames(cfg: LabConfig, h: LabHost): readonly StaticPodName[] {
  if (h.role === 'etcd') return ['etcd'];
  if (h.role !== 'control-plane') return [];
  return etcdTopology(cfg) === 'stacked' ? STATIC_POD_NAMES : STATIC_POD_NAMES.filter((n) => n !== 'etcd');
}

/** Every static pod of a host (staticPodNames) and its state; `procs`: its processes, if known. */
export function staticPodStates(
  cfg: LabConfig,
  h: LabHost,
  procs?: ReadonlyMap<string, number[]>,
): StaticPodState[] {
  const pods = staticPodNames(cfg, h);
  if (pods.length === 0) return [];
  const own = procs ?? hostsProcesses(cfg.stateDir, [h.name]).get(h.name);
  return pods.map((name) => ({
    name,
    manifest: manifestState(cfg.stateDir, h.name, name),
    pids: own?.get(commName(name)) ?? [],
  }));
}

/** Every host's static pods (host → states), with one pass over /proc for all of them. */
export function allStaticPodStates(cfg: LabConfig): Map<string, StaticPodState[]> {
  const procs = hostsProcesses(
    cfg.stateDir,
    cfg.hosts.map((h) => h.name),
  );
  return new Map(cfg.hosts.map((h) => [h.name, staticPodStates(cfg, h, procs.get(h.name))]));
}
