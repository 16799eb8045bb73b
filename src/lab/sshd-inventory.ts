/**
 * The lab's own ssh inventory (`npm run lab -- inventory`): every lab host reached through its
 * real sshd with the lab's generated client key and known_hosts. The control planes have
 * kubeadm's layout (manifests, pki, /var/lib/etcd), so the kubeadm profile's own commands run
 * over ssh for etcd-restore (snapshot, copy, wipe, restore with the identity read from the
 * manifests) and partitions. Overridden: the process actions (the lab's processes are run by
 * its supervisor, not by a kubelet or systemd: the lab CLI on the harness machine) and the
 * link actions (the host-side veth, on the harness machine); timings are read from the running
 * processes' command lines and the LB configs.
 */
import path from 'node:path';
import YAML from 'yaml';
import type { InventoryFile } from '../targets/inventory.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import type { LabConfig } from './config.ts';
import { hostsByRole, labKubeconfigPath } from './config.ts';
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, labEtcdTls } from './etcd.ts';
import { livePidScript } from './profile.ts';
import { labSshFiles, SSH_PORT } from './sshd.ts';

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export const labInventoryPath = (cfg: LabConfig): string => path.join(labSshFiles(cfg).dir, 'inventory.yaml');

/** The inventory as data (the shape `inventorySchema` validates). */
export function labInventory(cfg: LabConfig): InventoryFile {
  const ssh = labSshFiles(cfg);
  const d = q(cfg.stateDir);
  const labCli = `cd ${q(PROJECT_ROOT)} && HADRILL_LAB_DIR=${d} ${q(process.execPath)} bin/ha-drill.mjs lab`;
  // The lab profile's own check, with the inventory's placeholders.
  const running = `${livePidScript(cfg.stateDir, '{host}', '{component}')}\necho "$pid"`;
  const worker = hostsByRole(cfg, 'worker')[0]?.name;
  // Run on the role's first host over ssh: that host's own process (its PID namespace holds only
  // its processes), found by name as on a node (comm keeps 15 characters: kube-controller).
  const cmdline = (comm: string) => `tr '\\0' ' ' < /proc/$(pgrep -xo ${comm})/cmdline`;
  return {
    name: `lab-ssh (${cfg.preset})`,
    kubeconfig: labKubeconfigPath(cfg),
    api: { url: `https://${cfg.vip}:${cfg.apiPort}`, vip: cfg.vip, port: cfg.apiPort },
    etcd: { scheme: 'https', port: ETCD_CLIENT_PORT, peerPort: ETCD_PEER_PORT, ...labEtcdTls(cfg) },
    defaults: { user: 'root', port: SSH_PORT, key: ssh.clientKey, sudo: false, knownHosts: ssh.knownHosts },
    hosts: cfg.hosts.map((h) => ({
      name: h.name,
      address: h.ip,
      roles: h.role === 'control-plane' ? ['control-plane', 'etcd'] : [h.role],
      // The lab's control planes are not Kubernetes Nodes; its workers are.
      ...(h.role === 'control-plane' ? { node: false } : {}),
    })),
    overrides: {
      // The lab's processes are not static pods or systemd units yet: the lab CLI and its pid
      // files (the machine's pids) stop, start and find them, run on the harness machine.
      stop: { on: 'local', run: `${labCli} stop {host} {component} --signal {signal}` },
      start: { on: 'local', run: `${labCli} start {host} {component}` },
      running: { on: 'local', run: running },
      'link-down': { on: 'local', run: `ip link set ${cfg.prefix}-{host} down` },
      'link-up': { on: 'local', run: `ip link set ${cfg.prefix}-{host} up` },
      'link-state': { on: 'local', run: `ip -o link show ${cfg.prefix}-{host}` },
    },
    timingSources: {
      controllerManager: cmdline('kube-controller'),
      apiserver: cmdline('kube-apiserver'),
      etcd: cmdline('etcd'),
      ...(worker ? { kubelet: cmdline('kubelet') } : {}),
      haproxy: `cat ${d}/{host}/haproxy.cfg`,
      keepalived: `cat ${d}/{host}/keepalived.conf`,
    },
  };
}

export function labInventoryYaml(cfg: LabConfig): string {
  return [
    `# ssh inventory of the lab (${cfg.preset}), written by 'npm run lab -- inventory'.`,
    '# Real sshd in every lab host (kubeadm layout on the control planes); process and link actions use the lab commands.',
    '# Use: npm run drill -- apiserver-kill --target ssh --inventory <this file>',
    YAML.stringify(labInventory(cfg), { lineWidth: 0 }),
  ].join('\n');
}
