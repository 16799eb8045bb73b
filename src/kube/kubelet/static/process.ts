/**
 * Container processes on the host, and the records that let a restarted kubelet adopt them.
 *
 * Upstream a container belongs to the runtime (containerd and its shim), not to the kubelet: when
 * the kubelet dies or restarts, containers keep running, and the new kubelet finds them through CRI
 * (ListContainers, labels with the pod UID, container name and restart count:
 * pkg/kubelet/kuberuntime/labels.go) instead of starting them again. We have no runtime daemon, so:
 *  - a container is spawned detached (setsid: its own session and process group), stdin from
 *    /dev/null, stdout/stderr appended straight to its log file: nothing ties it to the kubelet, so a
 *    kubelet SIGTERM or SIGKILL leaves it running (as a containerd container survives the kubelet);
 *  - the kubelet writes <rootDir>/pods/<uid>/containers/<name>/state.json (pid, the process's start
 *    time from /proc/<pid>/stat field 22, restart count, times) — the CRI labels' stand-in;
 *  - a kubelet starting up adopts a container whose record names a live process with the same start
 *    time (a reused pid has another start time) instead of starting a duplicate;
 *  - stopping a container signals its process group (SIGTERM, then SIGKILL after the grace period),
 *    as the runtime stops a container's whole pid namespace.
 * Exit codes are known for processes this kubelet spawned; an adopted process that exits is seen
 * by polling /proc (upstream's PLEG relists every second) and its exit code is unknown.
 * Log files hold the raw output (not the CRI "<time> stdout F" framing, which needs a shim piping
 * the output).
 * What the host must give: /proc mounted for the kubelet's pid namespace (pids and start times are
 * read there), and an init other than the kubelet as pid 1 of that namespace (when a namespace's
 * pid 1 dies the kernel kills every process in it; that init also reaps orphaned containers).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ContainerRecord {
  readonly pid: number;
  /** /proc/<pid>/stat starttime (clock ticks since boot), as a string. */
  readonly startTicks: string;
  readonly restartCount: number;
  readonly startedAt: string;
  readonly podName: string;
  readonly namespace: string;
  readonly terminationGracePeriodSeconds: number;
}

/** /proc/<pid>/stat → name, state and start time; undefined when there is no such process. */
export function procStat(
  pid: number,
): { comm: string; state: string; startTicks: string; pgid: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the comm field may contain spaces and parentheses: fields restart after the last ')'
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state), rest[2] field 5 (pgrp); field 22 (starttime) is rest[19]
  const state = rest[0] ?? '';
  const startTicks = rest[19] ?? '';
  return { comm, state, startTicks, pgid: Number(rest[2]) };
}

/** The process is the one the record names and not a zombie. */
export function isAlive(pid: number, startTicks: string): boolean {
  const s = procStat(pid);
  return s !== undefined && s.startTicks === startTicks && s.state !== 'Z' && s.state !== 'X';
}

export interface SpawnSpec {
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  readonly cwd?: string;
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startTicks: string;
  /** Resolves when the process exits (listened to from the spawn on: a fast exit is not missed). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a container process detached, output appended to `logFile`; throws with the reason if it cannot start. */
export async function spawnContainer(s: SpawnSpec): Promise<Spawned> {
  mkdirSync(path.dirname(s.logFile), { recursive: true });
  const fd = openSync(s.logFile, 'a');
  let child: ChildProcess;
  try {
    const [cmd, ...args] = s.command;
    child = spawn(cmd ?? '', args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...s.env },
      cwd: s.cwd ?? '/',
    });
  } finally {
    closeSync(fd);
  }
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? 0));
    child.once('error', reject);
  });
  child.unref();
  const st = procStat(pid);
  return { child, pid, startTicks: st?.startTicks ?? '', exit };
}

/**
 * Signals the process group `pid` belongs to (a container leads its own; the lab's components
 * are led by the nsenter that started them), else `pid` alone; false when neither exists.
 */
export function signalGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-(procStat(pid)?.pgid || pid), sig);
    return true;
  } catch {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

const containerDir = (rootDir: string, uid: string, name: string) =>
  path.join(rootDir, 'pods', uid, 'containers', name);

export async function writeRecord(
  rootDir: string,
  uid: string,
  name: string,
  r: ContainerRecord,
): Promise<void> {
  const dir = containerDir(rootDir, uid, name);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, '.state.json.tmp');
  await writeFile(tmp, `${JSON.stringify(r)}\n`);
  await rename(tmp, path.join(dir, 'state.json'));
}

export async function readRecord(
  rootDir: string,
  uid: string,
  name: string,
): Promise<ContainerRecord | undefined> {
  try {
    return JSON.parse(await readFile(path.join(containerDir(rootDir, uid, name), 'state.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every pod UID with container records under rootDir, with its containers' records. */
export async function listRecords(rootDir: string): Promise<Map<string, Map<string, ContainerRecord>>> {
  const out = new Map<string, Map<string, ContainerRecord>>();
  let uids: string[] = [];
  try {
    uids = await readdir(path.join(rootDir, 'pods'));
  } catch {
    return out;
  }
  for (const uid of uids) {
    let names: string[] = [];
    try {
      names = await readdir(path.join(rootDir, 'pods', uid, 'containers'));
    } catch {
      continue;
    }
    const m = new Map<string, ContainerRecord>();
    for (const n of names) {
      const r = await readRecord(rootDir, uid, n);
      if (r) m.set(n, r);
    }
    out.set(uid, m);
  }
  return out;
}

export async function removePodRecords(rootDir: string, uid: string): Promise<void> {
  await rm(path.join(rootDir, 'pods', uid), { recursive: true, force: true });
}

/** Sends SIGTERM to the group, waits up to `graceMs` for the process to go, then SIGKILL; resolves when gone. */
export async function stopProcess(
  pid: number,
  startTicks: string,
  graceMs: number,
  pollMs = 100,
): Promise<void> {
  if (!isAlive(pid, startTicks)) return;
  signalGroup(pid, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (Date.now() < end) {
    if (!isAlive(pid, startTicks)) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  signalGroup(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid, startTicks); i++) await new Promise((r) => setTimeout(r, pollMs));
}
