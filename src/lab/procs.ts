/**
 * The lab's view of the machine's process table: a marker variable in a process's environment
 * ties it to one lab (so a reused pid is never signalled and a killed run's strays are found even
 * without pid files), liveness, group signals and resident memory.
 */
import fs from 'node:fs';
import { sleep } from '../util/time.ts';

export const MARKER_VAR = 'HADRILL_COMPONENT';

export interface StopOptions {
  /** First signal (default SIGTERM). */
  readonly signal?: NodeJS.Signals;
  /** How long to wait before SIGKILL (default 5 s). */
  readonly graceMs?: number;
}

/**
 * Signals a component's whole process group (each is spawned as a group leader), as systemd's
 * KillMode=control-group does: children (keepalived's VRRP process, the node process under a
 * restart loop) go with their parent. Falls back to the pid alone.
 */
export function signalGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-(pgidOf(pid) ?? pid), sig);
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

export async function terminate(
  pid: number,
  opts: StopOptions = {},
): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!signalGroup(pid, opts.signal ?? 'SIGTERM')) return 'not-running';
  const deadline = Date.now() + (opts.graceMs ?? 5000);
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(25);
  }
  if (!signalGroup(pid, 'SIGKILL')) return 'stopped';
  for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(10);
  return 'killed';
}

/** Resident memory of a component: every process of its group (the restart loop and its node, keepalived's children), in MB. */
/** The process group of `pid` (from /proc/<pid>/stat), if the process exists. */
export function pgidOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(pgid) && pgid > 0 ? pgid : undefined;
  } catch {
    return undefined;
  }
}

/** The first child of `pid` (from /proc/<pid>/task/<pid>/children), if it has one. */
export function firstChild(pid: number): number | undefined {
  try {
    const first = Number(fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

export function groupRssMb(pid: number): number {
  const pgid = pgidOf(pid) ?? pid;
  let kb = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // the process went away meanwhile
    }
  }
  return kb / 1024;
}

/** True when the pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function markerOf(pid: number): string | undefined {
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    for (const kv of env.split('\0')) {
      if (kv.startsWith(`${MARKER_VAR}=`)) return kv.slice(MARKER_VAR.length + 1);
    }
  } catch {
    // process gone or not readable
  }
  return undefined;
}

/** Live pids whose marker starts with `prefix`. */
export function markedPids(prefix: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const m = markerOf(pid);
    if (m?.startsWith(prefix) && isAlive(pid)) pids.push(pid);
  }
  return pids;
}
