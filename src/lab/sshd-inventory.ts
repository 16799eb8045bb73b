/**
 * The lab's own ssh inventory (`npm run lab -- inventory`): every lab host reached through its
 * real sshd with the lab's generated client key and known_hosts. The control planes are kubeadm
 * nodes (manifests, pki, /var/lib/etcd, a kubelet running the static pods), so the kubeadm
 * profile's own commands run over ssh for every control-plane, etcd, partition and link action,
 * and the timings are read from the manifests and /var/lib/kubelet/config.yaml as on a node.
 * Overridden, because the lab's hosts have no systemd: stop/start/running of the system services
 * (kubelet, haproxy, keepalived), run by the lab's supervisor (profile.ts labServiceOverrides).
 * The LBs' configs are where the kubeadm HA guide puts them (/etc/haproxy, /etc/keepalived).
 */
import path from 'node:path';
import YAML from 'yaml';
import type { InventoryFile } from '../targets/inventory.ts';
import type { LabConfig } from './config.ts';
import { clusterHosts, clusterRoles, labKubeconfigPath } from './config.ts';
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, labEtcdTls } from './etcd.ts';
import { LAB_LOCK_PATH, labServiceOverrides } from './profile.ts';
import { labSshFiles, SSH_PORT } from './sshd.ts';

export const labInventoryPath = (cfg: LabConfig): string => path.join(labSshFiles(cfg).dir, 'inventory.yaml');

/** The inventory as data (the shape `inventorySchema` validates). */
export function labInventory(cfg: LabConfig): InventoryFile {
  const ssh = labSshFiles(cfg);
  return {
    name: `lab-ssh (${cfg.preset})`,
    kubeconfig: labKubeconfigPath(cfg),
    api: { url: `https://${cfg.vip}:${cfg.apiPort}`, vip: cfg.vip, port: cfg.apiPort },
    etcd: { scheme: 'https', port: ETCD_CLIENT_PORT, peerPort: ETCD_PEER_PORT, ...labEtcdTls(cfg) },
    defaults: { user: 'root', port: SSH_PORT, key: ssh.clientKey, sudo: false, knownHosts: ssh.knownHosts },
    hosts: clusterHosts(cfg).map((h) => ({
      name: h.name,
      address: h.ip,
      roles: clusterRoles(cfg, h),
    })),
    overrides: labServiceOverrides(cfg),
    // The lab's hosts share this machine's /var/lib: each keeps the lock in its own /run, as
    // --target lab does (src/lab/profile.ts), gone with the lab.
    lockPath: LAB_LOCK_PATH,
    // Every timing from the node's own files (the kubeadm profile's defaults).
    timingSources: {},
  };
}

export function labInventoryYaml(cfg: LabConfig): string {
  return [
    `# ssh inventory of the lab (${cfg.preset}), written by 'npm run lab -- inventory'.`,
    '# Real sshd in every lab host; kubeadm nodes whose kubelet runs the static pods. Overridden: the system services (no systemd in the lab).',
    '# Use: npm run drill -- apiserver-kill --target ssh --inventory <this file> --config <a drill config pinning it:',
    '# allowedContexts, whose entry a drill without it prints>',
    YAML.stringify(labInventory(cfg), { lineWidth: 0 }),
  ].join('\n');
}
