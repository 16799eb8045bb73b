/**
 * Process supervisor for lab components. Each component runs detached inside its host's network
 * namespace (`ip netns exec NS argv...`, which execs, so the pid is the component's own), with
 * a pid file, a log file and its spec (argv, env) under `<stateDir>/<host>/`. A marker variable
 * in the process environment ties a pid to this lab, so a reused pid is never signalled and a
 * killed run's strays are found even without pid files.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../util/time.ts';

export const MARKER_VAR = 'HADRILL_COMPONENT';

export interface ComponentSpec {
  readonly host: string;
  readonly netns: string;
  /** Component name: etcd, haproxy, keepalived, kube-apiserver, ... */
  readonly name: string;
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory (default: the state directory). */
  readonly cwd?: string;
}

export type ComponentState =
  | { readonly state: 'running'; readonly pid: number }
  | { readonly state: 'stopped'; readonly pid?: undefined };

export interface StopOptions {
  /** First signal (default SIGTERM). */
  readonly signal?: NodeJS.Signals;
  /** How long to wait before SIGKILL (default 5 s). */
  readonly graceMs?: number;
}

export class Supervisor {
  constructor(readonly stateDir: string) {}

  private dir(host: string): string {
    return path.join(this.stateDir, host);
  }
  private file(host: string, name: string, ext: string): string {
    return path.join(this.dir(host), `${name}.${ext}`);
  }
  marker(host: string, name: string): string {
    return `${this.stateDir}:${host}/${name}`;
  }
  logPath(host: string, name: string): string {
    return this.file(host, name, 'log');
  }

  /** Starts the component unless it already runs; returns its pid. */
  async start(spec: ComponentSpec): Promise<number> {
    const current = this.state(spec.host, spec.name);
    if (current.state === 'running') return current.pid;
    fs.mkdirSync(this.dir(spec.host), { recursive: true });
    fs.writeFileSync(this.file(spec.host, spec.name, 'json'), `${JSON.stringify(spec, null, 2)}\n`);
    return this.spawn(spec);
  }

  /** Starts a component again from the spec saved by `start` (the heal of a kill fault). */
  async restart(host: string, name: string): Promise<number> {
    return this.start(this.spec(host, name));
  }

  spec(host: string, name: string): ComponentSpec {
    const f = this.file(host, name, 'json');
    if (!fs.existsSync(f))
      throw new Error(`no saved spec for ${host}/${name} in ${this.stateDir}: was the lab brought up?`);
    return JSON.parse(fs.readFileSync(f, 'utf8')) as ComponentSpec;
  }

  private spawn(spec: ComponentSpec): number {
    const log = fs.openSync(this.logPath(spec.host, spec.name), 'a');
    fs.writeSync(log, `--- ${new Date().toISOString()} start ${spec.argv.join(' ')}\n`);
    const child = spawn('ip', ['netns', 'exec', spec.netns, ...spec.argv], {
      detached: true,
      cwd: spec.cwd ?? this.stateDir,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...spec.env, [MARKER_VAR]: this.marker(spec.host, spec.name) },
    });
    fs.closeSync(log);
    if (child.pid === undefined)
      throw new Error(`could not start ${spec.host}/${spec.name}: ${spec.argv[0]}`);
    child.on('error', () => {});
    child.unref();
    fs.writeFileSync(this.file(spec.host, spec.name, 'pid'), `${child.pid}\n`);
    return child.pid;
  }

  /** Running or stopped, checked against the process table (not just the pid file). */
  state(host: string, name: string): ComponentState {
    const f = this.file(host, name, 'pid');
    if (!fs.existsSync(f)) return { state: 'stopped' };
    const pid = Number(fs.readFileSync(f, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && markerOf(pid) === this.marker(host, name)) {
      return { state: 'running', pid };
    }
    return { state: 'stopped' };
  }

  /** Sends a signal to a running component; false if it was not running. */
  signal(host: string, name: string, sig: NodeJS.Signals): boolean {
    const s = this.state(host, name);
    if (s.state !== 'running') return false;
    return signalGroup(s.pid, sig);
  }

  /** SIGTERM (or `signal`), wait up to graceMs, then SIGKILL; idempotent. */
  async stop(
    host: string,
    name: string,
    opts: StopOptions = {},
  ): Promise<'stopped' | 'killed' | 'not-running'> {
    const s = this.state(host, name);
    if (s.state !== 'running') return 'not-running';
    return terminate(s.pid, opts);
  }

  /** Every component with a pid file under the state dir. */
  components(): { host: string; name: string; state: ComponentState }[] {
    if (!fs.existsSync(this.stateDir)) return [];
    const out: { host: string; name: string; state: ComponentState }[] = [];
    for (const host of fs.readdirSync(this.stateDir)) {
      const d = this.dir(host);
      if (!fs.statSync(d).isDirectory()) continue;
      for (const f of fs.readdirSync(d)) {
        if (!f.endsWith('.json') || f.startsWith('.')) continue;
        const name = f.slice(0, -'.json'.length);
        if (fs.existsSync(this.file(host, name, 'pid')))
          out.push({ host, name, state: this.state(host, name) });
      }
    }
    return out;
  }

  /** Pids of every live process that carries this lab's marker (strays included). */
  strays(): number[] {
    return markedPids(`${this.stateDir}:`);
  }
}

/**
 * Signals a component's whole process group (each is spawned as a group leader), as systemd's
 * KillMode=control-group does: children (keepalived's VRRP process, the node process under a
 * restart loop) go with their parent. Falls back to the pid alone.
 */
export function signalGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
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
export function groupRssMb(pgid: number): number {
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
