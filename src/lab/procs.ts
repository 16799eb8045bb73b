/**
 * The lab's view of the machine's process table: a marker variable in a process's environment
 * ties it to one lab (so a reused pid is never signalled and a killed run's strays are found even
 * without pid files), liveness, group signals and resident memory. /proc/<pid>/stat is read and
 * groups are signalled by the kubelet's own helpers (src/kube/kubelet/static/process.ts).
 */
import fs from 'node:fs';
import { procStat, signalGroup } from '../kube/kubelet/static/process.ts';
import { sleep } from '../util/time.ts';

// The group signal is the kubelet's (one for its containers and the lab's components).
export { signalGroup };

export const MARKER_VAR = 'HADRILL_COMPONENT';

export interface StopOptions {
  /** First signal (default SIGTERM). */
  readonly signal?: NodeJS.Signals;
  /** How long to wait before SIGKILL (default 5 s). */
  readonly graceMs?: number;
  /** Called right after the first signal went out (not when there was nothing to signal). */
  readonly onSignalled?: () => void;
}

export async function terminate(
  pid: number,
  opts: StopOptions = {},
): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!signalGroup(pid, opts.signal ?? 'SIGTERM')) return 'not-running';
  opts.onSignalled?.();
  const deadline = Date.now() + (opts.graceMs ?? 5000);
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(25);
  }
  if (!signalGroup(pid, 'SIGKILL')) return 'stopped';
  for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(10);
  return 'killed';
}

/** The process group of `pid`, if the process exists. */
export function pgidOf(pid: number): number | undefined {
  return procStat(pid)?.pgid;
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

/** Resident memory of a component: every process of its group (the restart loop and its node, keepalived's children), in MB. */
export function groupRssMb(pid: number): number {
  const pgid = pgidOf(pid) ?? pid;
  let kb = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (procStat(Number(entry))?.pgid !== pgid) continue;
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
  const state = procStat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
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
