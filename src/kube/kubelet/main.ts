/**
 * The lab's kubelet agent (one per worker): registers its Node, renews kube-node-lease/<node>,
 * posts the Ready heartbeat and runs the pods bound to it. Flags follow the kubelet's names.
 *
 *   tsx src/kube/kubelet/main.ts --kubeconfig w1.kubeconfig --hostname-override w1 --node-ip 198.18.0.31
 */
import os from 'node:os';
import { KUBECONFIG_FLAG, startComponent } from '../runtime/component.ts';

const FLAGS = {
  kubeconfig: KUBECONFIG_FLAG,
  'hostname-override': { type: 'string', default: '', help: 'Node name (default: os.hostname()).' },
  'node-ip': { type: 'string', default: '', help: 'IP address of the node, reported as InternalIP.' },
  'node-lease-duration-seconds': {
    type: 'int',
    default: 40,
    min: 1,
    help: 'Duration of the node Lease; it is renewed every 1/4 of it.',
  },
  'node-status-update-frequency': {
    type: 'duration',
    default: 10_000,
    min: 100,
    help: 'How often the kubelet posts node status (the Ready heartbeat).',
  },
  'lab-pod-start-delay': {
    type: 'duration',
    default: 1_000,
    help: 'How long a pod bound to this node takes to turn Running/Ready.',
  },
} as const;

const nodeNameOf = (v: { 'hostname-override': string }) =>
  (v['hostname-override'] || os.hostname()).toLowerCase();
const { flags, log, kc, shutdown, exitWith } = await startComponent({
  command: 'kubelet',
  flags: FLAGS,
  graceMs: 2000,
  logName: (v) => `kubelet[${nodeNameOf(v)}]`,
  check: (v) => {
    if (v['node-ip'] && !/^\d{1,3}(\.\d{1,3}){3}$/.test(v['node-ip'])) {
      throw new Error(`--node-ip '${v['node-ip']}' is not an IPv4 address`);
    }
  },
});
const nodeName = nodeNameOf(flags);
const { makeClients } = await import('../runtime/kube.ts');
const { runKubelet } = await import('./agent.ts');
const renewMs = (flags['node-lease-duration-seconds'] * 1000) / 4;
const clients = makeClients(kc, Math.max(1000, Math.min(10_000, renewMs)), `kubelet/${nodeName}`);
log('starting', {
  node: nodeName,
  nodeIp: flags['node-ip'],
  nodeLeaseDurationSeconds: flags['node-lease-duration-seconds'],
  nodeStatusUpdateFrequencyMs: flags['node-status-update-frequency'],
  server: kc.getCurrentCluster()?.server,
});
exitWith(
  runKubelet({
    nodeName,
    nodeIp: flags['node-ip'] || '127.0.0.1',
    leaseDurationS: flags['node-lease-duration-seconds'],
    statusUpdateMs: flags['node-status-update-frequency'],
    podStartDelayMs: flags['lab-pod-start-delay'],
    clients,
    kc,
    log,
    signal: shutdown,
  }).then(() => 0),
);
