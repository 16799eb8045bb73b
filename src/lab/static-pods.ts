/**
 * The static pods of the lab's control planes as the machine sees them: which manifests a host
 * has (live in /etc/kubernetes/manifests or parked by a drill) and the processes its kubelet runs
 * for them, found as on a node — by process name (comm) among the processes of the host's own PID
 * namespace — but numbered as the machine numbers them, so `lab status` and tests can compare
 * them with the supervisor's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { commName, MANIFEST_DIR, PARKED_DIR } from '../targets/kubeadm-static-pod.ts';
import type { LabConfig, LabHost } from './config.ts';
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

/** Live processes of the host's PID namespace, comm → machine pids (ascending). */
export function hostProcesses(stateDir: string, host: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const inside = hostPid(stateDir, host);
  const ns = inside === undefined ? undefined : nsOf(inside);
  if (ns === undefined) return out;
  for (const d of fs.readdirSync('/proc')) {
    const pid = Number(d);
    if (!Number.isInteger(pid) || pid <= 0 || nsOf(pid) !== ns) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ...: comm may hold spaces and parentheses; the state follows the last ')'.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(open + 1, close);
    const state = stat.slice(close + 2, close + 3);
    if (state === 'Z' || state === 'X') continue;
    out.set(comm, [...(out.get(comm) ?? []), pid]);
  }
  for (const pids of out.values()) pids.sort((a, b) => a - b);
  return out;
}

export function manifestState(stateDir: string, host: string, pod: StaticPodName): Manifest {
  const root = hostRoot(stateDir, host);
  if (fs.existsSync(path.join(root, MANIFEST_DIR, `${pod}.yaml`))) return 'live';
  if (fs.existsSync(path.join(root, PARKED_DIR, `${pod}.yaml`))) return 'parked';
  return 'missing';
}

/** Every static pod of a control plane (empty for other hosts). */
export function staticPodStates(cfg: LabConfig, h: LabHost): StaticPodState[] {
  if (h.role !== 'control-plane') return [];
  const procs = hostProcesses(cfg.stateDir, h.name);
  return STATIC_POD_NAMES.map((name) => ({
    name,
    manifest: manifestState(cfg.stateDir, h.name, name),
    pids: procs.get(commName(name)) ?? [],
  }));
}
