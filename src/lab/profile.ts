/**
 * The lab's host profile is the kubeadm profile (src/targets/kubeadm-profile.ts), the one that
 * drives kubeadm VMs over ssh and kind nodes: the control planes are kubeadm nodes whose kubelet
 * runs the static pods (src/lab/control-plane.ts), so killing and parking a static pod, the etcd
 * snapshot/restore, partitions and link-down run kubeadm's own scripts inside the host.
 *
 * Overridden, because the lab's hosts have no systemd: stop / start / running / restart of the system
 * services (kubelet, haproxy, keepalived), which the lab's supervisor runs. They go through the
 * lab CLI on the harness machine (the bundled launcher: no TypeScript compile on the heal path)
 * and the supervisor's pid files.
 */
import path from 'node:path';
import { KubeadmProfile } from '../targets/kubeadm-profile.ts';
import type { Component } from '../targets/types.ts';
import { bundleFile } from '../util/bundle.mjs';
import { PROJECT_ROOT } from '../util/paths.ts';
import type { LabConfig } from './config.ts';
import { clusterHosts, etcdHosts, isNode } from './config.ts';
import { ETCD_CLIENT_PORT, ETCD_DATA_DIR, ETCD_PEER_PORT, peerUrl } from './etcd.ts';
import { MARKER_VAR } from './procs.ts';

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** The components the lab runs as system services (its supervisor), not as static pods. */
export const LAB_SERVICES: readonly Component[] = ['kubelet', 'haproxy', 'keepalived'];

/** The drill's cluster lock in each lab host: its own /run (src/lab/host.ts), gone with the lab. */
export const LAB_LOCK_PATH = '/run/hadrill/drill.lock';

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

/** The lab CLI as a shell command prefix, for `lab` as `cfg` saved it. */
export const labCliCommand = (cfg: LabConfig): string =>
  `cd ${q(PROJECT_ROOT)} && HADRILL_LAB_DIR=${q(cfg.stateDir)} ${q(process.execPath)} ${q(path.join(PROJECT_ROOT, 'bin/ha-drill.mjs'))} lab`;

/**
 * Inventory overrides (`kind:component` keys) for the lab's system services: the lab CLI and
 * the supervisor's pid files on the harness machine. Shared by `--target lab` and the lab's ssh
 * inventory, so both drive the same commands.
 */
export function labServiceOverrides(cfg: LabConfig): Record<string, { on: 'local'; run: string }> {
  const cli = labCliCommand(cfg);
  const out: Record<string, { on: 'local'; run: string }> = {};
  for (const c of LAB_SERVICES) {
    out[`stop:${c}`] = { on: 'local', run: `${cli} stop {host} {component} --signal {signal}` };
    out[`start:${c}`] = { on: 'local', run: `${cli} start {host} {component}` };
    out[`running:${c}`] = {
      on: 'local',
      run: `${livePidScript(cfg.stateDir, '{host}', '{component}')}\necho "$pid"`,
    };
    // systemctl restart: SIGTERM, then started again; prints the new pid as `systemctl show -p MainPID`.
    out[`restart:${c}`] = {
      on: 'local',
      run: `${cli} stop {host} {component} --signal TERM >&2 && ${cli} start {host} {component} >&2 && {\n${livePidScript(cfg.stateDir, '{host}', '{component}')}\necho "$pid"\n}`,
    };
  }
  return out;
}

/**
 * The kubeadm profile for `--target lab`: the hosts' facts from the lab config (the same values
 * the manifests were generated from), no reachability (the netns executor does not use the
 * host's link, so link-up heals at once; the host's own timer still restores the link if the
 * harness dies), the service overrides, and the delaying proxy in place of netem.
 */
export function labProfile(cfg: LabConfig): KubeadmProfile {
  const members = etcdHosts(cfg);
  const isMember = (name: string) => members.some((m) => m.name === name);
  return new KubeadmProfile({
    hosts: new Map(
      clusterHosts(cfg).map((h) => [
        h.name,
        {
          linkInterface: 'eth0',
          ...(isNode(h) ? { nodeName: h.name } : {}),
          ...(isMember(h.name)
            ? { etcd: { dataDir: ETCD_DATA_DIR, clientPort: ETCD_CLIENT_PORT, peerPort: ETCD_PEER_PORT } }
            : {}),
        },
      ]),
    ),
    overrides: labServiceOverrides(cfg),
    // No netem in this machine's kernel: network-degrade delays through the lab's proxy, from its
    // bundle (src/lab/delay-proxy/), run inside the host by the machine's node.
    delayMethod: { kind: 'proxy', argv: [process.execPath, bundleFile(PROJECT_ROOT, 'delay-proxy')] },
    etcdMembers: members.map((h) => ({ name: h.name, peerUrl: peerUrl(h) })),
    // A node path of each host's own (src/lab/host.ts): gone with the lab, as a node's /run.
    lockPath: LAB_LOCK_PATH,
  });
}
