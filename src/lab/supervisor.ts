/**
 * Process supervisor for lab components. Each component runs detached inside its lab host
 * (src/lab/host.ts: `nsenter`, which execs, so the pid is the component's own), with
 * a pid file, a log file and its spec (argv, env) under `<stateDir>/<host>/`. A marker variable
 * in the process environment ties a pid to this lab, so a reused pid is never signalled and a
 * killed run's strays are found even without pid files.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../util/time.ts';
import { enterHost } from './host.ts';
import {
  firstChild,
  isAlive,
  MARKER_VAR,
  markedPids,
  markerOf,
  type StopOptions,
  signalGroup,
  terminate,
} from './procs.ts';

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

  /**
   * Spawns the component in its host. `nsenter --pid` forks into the host's PID namespace, so the
   * component is nsenter's child: its pid is what the pid file keeps (nsenter is the group
   * leader, so group signals reach both; src/lab/procs.ts signalGroup).
   */
  private async spawn(spec: ComponentSpec): Promise<number> {
    const log = fs.openSync(this.logPath(spec.host, spec.name), 'a');
    fs.writeSync(log, `--- ${new Date().toISOString()} start ${spec.argv.join(' ')}\n`);
    const [enter, ...enterArgs] = enterHost(this.stateDir, spec.host);
    // The harness's Node options (NODE_OPTIONS, e.g. a test runner's loader hooks, which such a
    // runner may put back into any child's environment) are not the component's: `env -u`
    // removes them inside the host and execs the component (its pid stays nsenter's child).
    const child = spawn(enter!, [...enterArgs, 'env', '-u', 'NODE_OPTIONS', ...spec.argv], {
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
    const entered = child.pid;
    for (let i = 0; i < 500; i++) {
      const pid = firstChild(entered);
      if (pid !== undefined) {
        fs.writeFileSync(this.file(spec.host, spec.name, 'pid'), `${pid}\n`);
        return pid;
      }
      if (!isAlive(entered)) break;
      await sleep(5);
    }
    throw new Error(
      `could not start ${spec.host}/${spec.name} in its host: see ${this.logPath(spec.host, spec.name)}`,
    );
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
