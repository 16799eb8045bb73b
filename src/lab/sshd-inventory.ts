/**
 * The lab's own ssh inventory (`npm run lab -- inventory`): every lab host reached through its
 * real sshd with the lab's generated client key and known_hosts. The lab is not a kubeadm
 * layout, so the inventory overrides the process actions with the lab's own commands (run on
 * the host, over ssh), the link actions with the host-side veth (run on the harness machine),
 * and reads timings from the running processes' command lines and the LB configs.
 */
import path from 'node:path';
import YAML from 'yaml';
import type { InventoryFile } from '../targets/inventory.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import type { LabConfig } from './config.ts';
import { hostsByRole, labKubeconfigPath } from './config.ts';
import { ETCD_CLIENT_PORT, ETCD_DATA_DIR, ETCD_PEER_PORT, initialCluster, labEtcdTls } from './etcd.ts';
import { MARKER_VAR } from './procs.ts';
import { labSshFiles, SSH_PORT } from './sshd.ts';

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export const labInventoryPath = (cfg: LabConfig): string => path.join(labSshFiles(cfg).dir, 'inventory.yaml');

/** The inventory as data (the shape `inventorySchema` validates). */
export function labInventory(cfg: LabConfig): InventoryFile {
  const ssh = labSshFiles(cfg);
  const d = q(cfg.stateDir);
  const labCli = `cd ${q(PROJECT_ROOT)} && HADRILL_LAB_DIR=${d} ${q(process.execPath)} bin/ha-drill.mjs lab`;
  const pidOf = (file: string) => `$(cat ${d}/${file}.pid)`;
  const running = [
    `d=${d}`,
    `pid=$(cat "$d"/{host}/{component}.pid 2>/dev/null) || { echo {component} on {host} has no pid file >&2; exit 3; }`,
    `tr '\\0' '\\n' < /proc/$pid/environ 2>/dev/null | grep -qx "${MARKER_VAR}=$d:"{host}/{component} || { echo {component} on {host} is not running >&2; exit 3; }`,
    `! grep -q '^State:.*Z' /proc/$pid/status 2>/dev/null || { echo {component} on {host} is a zombie >&2; exit 3; }`,
    'echo "$pid"',
  ].join('\n');
  const cp = hostsByRole(cfg, 'control-plane')[0]!.name;
  const worker = hostsByRole(cfg, 'worker')[0]?.name;
  const cmdline = (host: string, component: string) =>
    `tr '\\0' ' ' < /proc/${pidOf(`${host}/${component}`)}/cmdline`;
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
      stop: `${labCli} stop {host} {component} --signal {signal}`,
      start: `${labCli} start {host} {component}`,
      running,
      'link-down': { on: 'local', run: `ip link set ${cfg.prefix}-{host} down` },
      'link-up': { on: 'local', run: `ip link set ${cfg.prefix}-{host} up` },
      'link-state': { on: 'local', run: `ip -o link show ${cfg.prefix}-{host}` },
      ...etcdOverrides(cfg),
    },
    timingSources: {
      controllerManager: cmdline(cp, 'kube-controller-manager'),
      apiserver: cmdline(cp, 'kube-apiserver'),
      etcd: cmdline(cp, 'etcd'),
      ...(worker ? { kubelet: cmdline(worker, 'kubelet') } : {}),
      haproxy: `cat ${d}/{host}/haproxy.cfg`,
      keepalived: `cat ${d}/{host}/keepalived.conf`,
    },
  };
}

/**
 * The etcd-restore actions as the lab profile runs them (Debian etcdctl 3.4 against the local
 * member with kubeadm's healthcheck-client certificate; data in the host's /var/lib/etcd), per
 * {host}. The kubeadm profile's own scripts replace these in issue 11's next step.
 */
function etcdOverrides(cfg: LabConfig): Record<string, string> {
  const d = q(cfg.stateDir);
  const snap = `${d}/{host}/etcd-snapshot.db`;
  const data = ETCD_DATA_DIR;
  const restored = `${ETCD_DATA_DIR}/hadrill-restore`;
  const pki = '/etc/kubernetes/pki/etcd';
  const ctl = 'ETCDCTL_API=3 etcdctl';
  const cluster = initialCluster(cfg);
  return {
    'etcd-snapshot': [
      'set -e',
      `${ctl} --endpoints=https://127.0.0.1:${ETCD_CLIENT_PORT} --cacert=${pki}/ca.crt --cert=${pki}/healthcheck-client.crt --key=${pki}/healthcheck-client.key --command-timeout=60s snapshot save ${snap}.part >&2`,
      `mv ${snap}.part ${snap}`,
      `${ctl} snapshot status ${snap} -w json`,
    ].join('\n'),
    'read-etcd-snapshot': `base64 -w0 ${snap}`,
    'write-etcd-snapshot': `set -e\nbase64 -d > ${snap}.part\nmv ${snap}.part ${snap}\nsha256sum ${snap}`,
    'etcd-data-state': `echo ${data}\ntest -d ${data}/member`,
    'wipe-etcd-data': [
      `pid=$(cat ${d}/{host}/etcd.pid 2>/dev/null) && tr '\\0' '\\n' < /proc/$pid/environ 2>/dev/null | grep -qx "${MARKER_VAR}=${cfg.stateDir}:"{host}/etcd && { echo 'refusing to destroy the data of a running etcd on '{host}': stop it first' >&2; exit 4; }`,
      `rm -rf ${data}/member ${restored}`,
      `test ! -e ${data}/member`,
      `echo ${data}`,
    ].join('\n'),
    'restore-etcd': [
      'set -e',
      `test -s ${snap} || { echo 'no snapshot file on '{host} >&2; exit 3; }`,
      `test ! -e ${data}/member || { echo 'member data still in ${data} on '{host}': wipe it first' >&2; exit 4; }`,
      `rm -rf ${restored}`,
      `${ctl} snapshot restore ${snap} --name {member} --initial-cluster ${q(cluster)} --initial-cluster-token {token} --initial-advertise-peer-urls https://{address}:${ETCD_PEER_PORT} --data-dir ${restored} >&2`,
      `mv ${restored}/member ${data}/member && rm -rf ${restored}`,
      `test -d ${data}/member`,
      `echo ${data}`,
    ].join('\n'),
  };
}

export function labInventoryYaml(cfg: LabConfig): string {
  return [
    `# ssh inventory of the lab (${cfg.preset}), written by 'npm run lab -- inventory'.`,
    '# Real sshd in every lab host; process and link actions use the lab commands (not kubeadm).',
    '# Use: npm run drill -- apiserver-kill --target ssh --inventory <this file>',
    YAML.stringify(labInventory(cfg), { lineWidth: 0 }),
  ].join('\n');
}
