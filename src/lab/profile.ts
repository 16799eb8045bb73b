/**
 * Host profile of the lab: actions become short shell commands run in the host's namespace
 * (signals go to the pid in the component's pid file, only after checking the lab's marker in
 * that process's environment), or in the root namespace for links. Starting a component again
 * goes through the lab CLI, which restarts it from its saved command line. etcd-restore actions
 * use the Debian `etcdctl` inside the host's namespace against the local member
 * (127.0.0.1:2379); the snapshot file is `<stateDir>/<host>/etcd-snapshot.db`.
 */
import path from 'node:path';
import { LOCAL_HOST } from '../executors/types.ts';
import { healPartitionScript, partitionScript, showPartitionScript } from '../targets/partition.ts';
import type { Action, Command, HostProfile } from '../targets/types.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import type { LabConfig } from './config.ts';
import { hostByName } from './config.ts';
import { ETCD_DATA_DIR, initialCluster, peerUrl } from './etcd.ts';

const ETCD_PKI = '/etc/kubernetes/pki/etcd';

import { MARKER_VAR } from './procs.ts';

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Shell snippet, run on the machine, setting $pid to a lab component's live pid (its pid file,
 * checked against the lab's marker in the process environment), or exiting 3 when it is not
 * running. `host` and `component` are shell words: quoted names, or the inventory's `{host}` and
 * `{component}` placeholders (which it fills quoted). A process still exiting (its memory, and so
 * its environment, already released, but not yet a zombie) still counts as running: a member
 * told to stop is not gone until it is gone.
 */
export function livePidScript(stateDir: string, host: string, component: string): string {
  const not = (why: string) => `{ echo ${component} on ${host} ${why} >&2; exit 3; }`;
  return [
    `d=${q(stateDir)}`,
    `pid=$(cat "$d"/${host}/${component}.pid 2>/dev/null) || ${not('has no pid file')}`,
    `[ -e /proc/$pid ] || ${not('is not running')}`,
    `! grep -q '^State:.*Z' /proc/$pid/status 2>/dev/null || ${not('is a zombie')}`,
    `env=$(tr '\\0' '\\n' < /proc/$pid/environ 2>/dev/null)`,
    `[ -z "$env" ] || printf '%s\\n' "$env" | grep -qx "${MARKER_VAR}=$d:"${host}/${component} || ${not("is not running '(pid reused)'")}`,
  ].join('\n');
}

export class LabProfile implements HostProfile {
  readonly name = 'lab';
  constructor(private readonly cfg: LabConfig) {}

  private pidOf(host: string, component: string): string {
    return livePidScript(this.cfg.stateDir, q(host), q(component));
  }

  command(a: Action): Command {
    switch (a.kind) {
      case 'stop':
        return {
          // Pid files hold the machine's pids: signal from the machine, not from inside the
          // host's own PID namespace.
          host: LOCAL_HOST,
          // The whole process group (each component runs in a group of its own, led by the nsenter
          // that started it), as systemd's KillMode=control-group does: keepalived's VRRP child
          // must not survive its parent.
          argv: [
            'sh',
            '-c',
            `${this.pidOf(a.host, a.component)}\npg=$(ps -o pgid= -p "$pid" | tr -d ' ')\nkill -${a.signal} -"$pg" 2>/dev/null || kill -${a.signal} "$pid"\necho "$pid"`,
          ],
        };
      case 'running':
        return { host: LOCAL_HOST, argv: ['sh', '-c', `${this.pidOf(a.host, a.component)}\necho "$pid"`] };
      case 'start':
        return {
          host: LOCAL_HOST,
          // The bundled lab CLI through the launcher: no TypeScript compile on the heal path.
          argv: ['node', path.join(PROJECT_ROOT, 'bin/ha-drill.mjs'), 'lab', 'start', a.host, a.component],
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
      case 'etcd-snapshot':
      case 'read-etcd-snapshot':
      case 'write-etcd-snapshot':
      case 'etcd-data-state':
      case 'wipe-etcd-data':
      case 'restore-etcd':
        return { host: a.host, argv: ['sh', '-c', this.etcdScript(a)] };
    }
  }

  snapshotPath(host: string): string {
    return path.join(this.cfg.stateDir, host, 'etcd-snapshot.db');
  }

  private etcdScript(
    a: Extract<
      Action,
      {
        kind:
          | 'etcd-snapshot'
          | 'read-etcd-snapshot'
          | 'write-etcd-snapshot'
          | 'etcd-data-state'
          | 'wipe-etcd-data'
          | 'restore-etcd';
      }
    >,
  ): string {
    const h = hostByName(this.cfg, a.host);
    const snap = q(this.snapshotPath(a.host));
    const tmp = q(`${this.snapshotPath(a.host)}.part`);
    const data = ETCD_DATA_DIR;
    const restored = `${ETCD_DATA_DIR}/hadrill-restore`;
    const ctl = 'ETCDCTL_API=3 etcdctl';
    // kubeadm's client certificate for health checks (the member requires client certificates).
    const tls = `--cacert=${ETCD_PKI}/ca.crt --cert=${ETCD_PKI}/healthcheck-client.crt --key=${ETCD_PKI}/healthcheck-client.key`;
    switch (a.kind) {
      case 'etcd-snapshot':
        return [
          'set -e',
          `mkdir -p "$(dirname ${snap})"`,
          `${ctl} --endpoints=https://127.0.0.1:2379 ${tls} --command-timeout=60s snapshot save ${tmp} >&2`,
          `mv ${tmp} ${snap}`,
          `${ctl} snapshot status ${snap} -w json`,
        ].join('\n');
      case 'read-etcd-snapshot':
        return `base64 -w0 ${snap}`;
      case 'write-etcd-snapshot':
        return [
          'set -e',
          `mkdir -p "$(dirname ${snap})"`,
          `base64 -d > ${tmp}`,
          `mv ${tmp} ${snap}`,
          `sha256sum ${snap}`,
        ].join('\n');
      case 'etcd-data-state':
        return `echo ${data}\ntest -d ${data}/member`;
      case 'wipe-etcd-data':
        // /var/lib/etcd is the host's mount point (src/lab/host.ts): the member directory goes.
        return [
          // Inside the host, whose PID namespace holds only its own processes (as on a node); a
          // member that was just stopped gets 5 s to finish exiting (and be reaped).
          'i=0; while pgrep -x etcd >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done',
          `if pgrep -x etcd >/dev/null; then echo 'refusing to destroy the data of a running etcd on ${a.host}: stop it first' >&2; exit 4; fi`,
          `rm -rf ${data}/member ${restored}`,
          `test ! -e ${data}/member`,
          `echo ${data}`,
        ].join('\n');
      case 'restore-etcd':
        return [
          'set -e',
          `if test -d ${data}/member; then echo 'data dir ${data} holds a member: not restored'; exit 0; fi`,
          `rm -rf ${restored}`,
          `test -s ${snap} || { echo 'no snapshot file ${this.snapshotPath(a.host)} on ${a.host}' >&2; exit 3; }`,
          `${ctl} snapshot restore ${snap} --name ${q(a.member)} --initial-cluster ${q(initialCluster(this.cfg))} --initial-cluster-token ${q(a.token)} --initial-advertise-peer-urls ${q(peerUrl(h))} --data-dir ${restored} >&2`,
          `mv ${restored}/member ${data}/member && rm -rf ${restored}`,
          `test -d ${data}/member`,
          `echo ${data}`,
        ].join('\n');
    }
  }
}
