/**
 * Host profile of the lab: actions become short shell commands run in the host's namespace
 * (signals go to the pid in the component's pid file, only after checking the lab's marker in
 * that process's environment), or in the root namespace for links. Starting a component again
 * goes through the lab CLI, which restarts it from its saved command line.
 */
import path from 'node:path';
import { LOCAL_HOST } from '../executors/types.ts';
import { healPartitionScript, partitionScript, showPartitionScript } from '../faults/iptables.ts';
import type { LabConfig } from '../lab/config.ts';
import { hostByName, PROJECT_ROOT } from '../lab/config.ts';
import { MARKER_VAR } from '../lab/supervisor.ts';
import type { Action, Command, HostProfile } from './types.ts';

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export class LabProfile implements HostProfile {
  readonly name = 'lab';
  constructor(private readonly cfg: LabConfig) {}

  /** Shell snippet setting $pid to the component's live pid, or exiting 3 when it is not running. */
  private pidOf(host: string, component: string): string {
    const pidFile = path.join(this.cfg.stateDir, host, `${component}.pid`);
    const marker = `${MARKER_VAR}=${this.cfg.stateDir}:${host}/${component}`;
    return [
      `pid=$(cat ${q(pidFile)} 2>/dev/null) || { echo '${component} on ${host} has no pid file' >&2; exit 3; }`,
      `tr '\\0' '\\n' < /proc/$pid/environ 2>/dev/null | grep -qx ${q(marker)} || { echo '${component} on ${host} is not running' >&2; exit 3; }`,
      `! grep -q '^State:.*Z' /proc/$pid/status 2>/dev/null || { echo '${component} on ${host} is a zombie' >&2; exit 3; }`,
    ].join('\n');
  }

  command(a: Action): Command {
    switch (a.kind) {
      case 'stop':
        return {
          host: a.host,
          argv: ['sh', '-c', `${this.pidOf(a.host, a.component)}\nkill -${a.signal} "$pid"\necho "$pid"`],
        };
      case 'running':
        return { host: a.host, argv: ['sh', '-c', `${this.pidOf(a.host, a.component)}\necho "$pid"`] };
      case 'start':
        return {
          host: LOCAL_HOST,
          argv: [
            'node',
            '--import',
            'tsx',
            path.join(PROJECT_ROOT, 'src/cli/lab.ts'),
            'start',
            a.host,
            a.component,
          ],
        };
      case 'partition':
        return { host: a.host, argv: ['sh', '-c', partitionScript(a.spec)] };
      case 'heal-partition':
        return { host: a.host, argv: ['sh', '-c', healPartitionScript()] };
      case 'show-partition':
        return { host: a.host, argv: ['sh', '-c', showPartitionScript()] };
      case 'link-down':
      case 'link-up':
        return {
          host: LOCAL_HOST,
          argv: [
            'ip',
            'link',
            'set',
            hostByName(this.cfg, a.host).veth,
            a.kind === 'link-down' ? 'down' : 'up',
          ],
        };
      case 'link-state':
        return { host: LOCAL_HOST, argv: ['ip', '-o', 'link', 'show', hostByName(this.cfg, a.host).veth] };
    }
  }
}
