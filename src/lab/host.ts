/**
 * A lab host as a node: besides its network namespace, every lab host has its own mount, UTS and
 * PID namespaces, held open by a small `host` process, so that each command run in it (through
 * the lab executor, through its sshd, by its components) sees the node's own filesystem where a
 * kubeadm node has its state, its own hostname, and only its own processes (`pgrep -x etcd` on
 * cp1 finds cp1's etcd, as on a node; /proc is the namespace's own):
 *   /etc/kubernetes   (manifests, pki, kubeconfigs)   ← <stateDir>/<host>/root/etc/kubernetes
 *   /var/lib/etcd     (etcd data)                      ← <stateDir>/<host>/root/var/lib/etcd
 *   /var/lib/kubelet  (kubelet config and state)       ← <stateDir>/<host>/root/var/lib/kubelet
 *   /var/log/pods     (container logs)                 ← <stateDir>/<host>/root/var/log/pods
 *   /run/hadrill      (the drill's host-side state)    ← <stateDir>/<host>/root/run/hadrill
 *   /etc/haproxy, /etc/keepalived (an LB's configs, where the kubeadm HA guide puts them)
 *   /etc/prometheus, /var/lib/prometheus (the monitoring host's, where Debian's packages keep them)
 *   /etc/systemd/system/kubelet.service.d (an external etcd host's kubelet config)
 * Everything else is the machine's own (binaries, /tmp). The binds are made inside the host's
 * private mount namespace, so the machine itself only gets the empty mount points. PID 1 of a
 * host is `tini` (it reaps the orphans a node's init would; when it dies, the kernel ends every
 * process of the host, which is how `down` empties a host). Entering a host is `nsenter --target
 * <pid> --net --mount --uts --pid`, which forks into the PID namespace: the pid the machine sees
 * is nsenter's, the command is its child in the same process group (signal the group).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../util/time.ts';
import { hostRoot, type LabConfig, type LabHost } from './config.ts';

export { hostRoot } from './config.ts';

import { isAlive, MARKER_VAR, markedPids, markerOf } from './procs.ts';

/** The node paths each lab host has of its own. */
export const HOST_PATHS = [
  '/etc/kubernetes',
  '/var/lib/etcd',
  '/var/lib/kubelet',
  '/var/log/pods',
  '/run/hadrill',
  '/etc/haproxy',
  '/etc/keepalived',
  '/etc/prometheus',
  '/var/lib/prometheus',
  // An external etcd host's kubelet config, where kubeadm's HA etcd guide puts it (the drop-in's
  // directory: src/lab/kubeadm/etcd-host.ts).
  '/etc/systemd/system/kubelet.service.d',
];

export const HOST_PROCESS = 'host';

/** A node path of a host (e.g. `/etc/kubernetes/pki/ca.crt`) as a path on the machine. */
export function hostPath(stateDir: string, host: string, nodePath: string): string {
  if (!HOST_PATHS.some((p) => nodePath === p || nodePath.startsWith(`${p}/`)))
    throw new Error(`${nodePath} is not one of a lab host's own paths (${HOST_PATHS.join(', ')})`);
  return path.join(hostRoot(stateDir, host), nodePath);
}

const pidFile = (stateDir: string, host: string): string => path.join(stateDir, host, `${HOST_PROCESS}.pid`);
const marker = (stateDir: string, host: string): string => `${stateDir}:${host}/${HOST_PROCESS}`;

/** A process inside the host's namespaces (its `sleep`), as the machine numbers it, if alive. */
export function hostPid(stateDir: string, host: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(stateDir, host), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && markerOf(pid) === marker(stateDir, host))
      return pid;
  } catch {
    // no pid file: the host was never started or the lab is down
  }
  return undefined;
}

/** The argv prefix that runs a command inside the host (network, mount and UTS namespaces). */
export function enterHost(stateDir: string, host: string): string[] {
  const pid = hostPid(stateDir, host);
  if (pid === undefined)
    throw new Error(
      `lab host ${host} is not running (no live ${pidFile(stateDir, host)}): run 'npm run lab -- up'`,
    );
  return ['nsenter', `--target=${pid}`, '--net', '--mount', '--uts', '--pid', '--'];
}

/**
 * The host process's script: make the binds inside the new mount namespace (private, so nothing
 * propagates to the machine), set the hostname, then sleep forever holding the namespaces.
 */
export function hostScript(root: string, hostname: string): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  return [
    'set -e',
    ...HOST_PATHS.map((p) => `mount --bind ${q(path.join(root, p))} ${q(p)}`),
    `hostname ${q(hostname)}`,
    'exec sleep infinity',
  ].join('\n');
}

/** Starts the host's namespaces (idempotent); returns the pid holding them. */
export async function ensureHost(cfg: LabConfig, h: LabHost): Promise<number> {
  const running = hostPid(cfg.stateDir, h.name);
  if (running !== undefined) return running;
  const root = hostRoot(cfg.stateDir, h.name);
  for (const p of HOST_PATHS) {
    fs.mkdirSync(path.join(root, p), { recursive: true });
    // The mount point on the machine: an empty directory (left in place by `down`, harmless).
    fs.mkdirSync(p, { recursive: true });
  }
  const log = fs.openSync(path.join(cfg.stateDir, h.name, `${HOST_PROCESS}.log`), 'a');
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      h.netns,
      'unshare',
      '--mount',
      '--uts',
      '--pid',
      '--fork',
      '--mount-proc',
      '--propagation=private',
      'tini',
      '-s',
      '--',
      'sh',
      '-c',
      hostScript(root, h.name),
    ],
    {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, [MARKER_VAR]: marker(cfg.stateDir, h.name) },
    },
  );
  fs.closeSync(log);
  child.on('error', () => {});
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start lab host ${h.name}: ip netns exec failed`);
  // Ready once the script reached `sleep` (binds made, hostname set): that process is in every
  // namespace of the host, so it is the one to enter by.
  for (let i = 0; i < 300; i++) {
    if (!isAlive(child.pid)) break;
    const inside = markedPids(marker(cfg.stateDir, h.name)).find((pid) => commOf(pid) === 'sleep');
    if (inside !== undefined) {
      fs.writeFileSync(pidFile(cfg.stateDir, h.name), `${inside}\n`);
      return inside;
    }
    await sleep(10);
  }
  throw new Error(
    `lab host ${h.name} did not come up: see ${path.join(cfg.stateDir, h.name, `${HOST_PROCESS}.log`)}`,
  );
}

function commOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
