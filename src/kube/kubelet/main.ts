/**
 * The lab's kubelet agent (one per worker): registers its Node, renews kube-node-lease/<node>,
 * posts the Ready heartbeat and runs the pods bound to it. Flags follow the kubelet's names.
 *
 *   tsx src/kube/kubelet/main.ts --kubeconfig w1.kubeconfig --hostname-override w1 --node-ip 198.18.0.31
 */
import os from 'node:os';
import { parseFlagsOrExit } from '../runtime/flags.ts';
import { createLogger } from '../runtime/log.ts';

const FLAGS = {
  kubeconfig: {
    type: 'string',
    default: '',
    help: 'Path to the kubeconfig (the lab writes one whose server is the VIP).',
  },
  'hostname-override': { type: 'string', default: '', help: 'Node name (default: os.hostname()).' },
  'node-ip': { type: 'string', default: '', help: 'IP address of the node, reported as InternalIP.' },
  'node-lease-duration-seconds': {
    type: 'int',
    default: 40,
    help: 'Duration of the node Lease; it is renewed every 1/4 of it.',
  },
  'node-status-update-frequency': {
    type: 'duration',
    default: 10_000,
    help: 'How often the kubelet posts node status (the Ready heartbeat).',
  },
  'lab-pod-start-delay': {
    type: 'duration',
    default: 1_000,
    help: 'How long a pod bound to this node takes to turn Running/Ready.',
  },
} as const;

const flags = parseFlagsOrExit('kubelet', process.argv.slice(2), FLAGS, (v) => {
  if (!v.kubeconfig) throw new Error('--kubeconfig is required');
  if (v['node-lease-duration-seconds'] < 1)
    throw new Error('--node-lease-duration-seconds must be at least 1');
  if (v['node-status-update-frequency'] < 100)
    throw new Error('--node-status-update-frequency must be at least 100ms');
  if (v['node-ip'] && !/^\d{1,3}(\.\d{1,3}){3}$/.test(v['node-ip'])) {
    throw new Error(`--node-ip '${v['node-ip']}' is not an IPv4 address`);
  }
});
const nodeName = (flags['hostname-override'] || os.hostname()).toLowerCase();
const log = createLogger(`kubelet[${nodeName}]`);
// the Kubernetes client is heavy: load it only once the flags are known to be good
const { loadKubeConfig, makeClients } = await import('../runtime/kube.ts');
const { runKubelet } = await import('./agent.ts');
let kc: ReturnType<typeof loadKubeConfig>;
try {
  kc = loadKubeConfig(flags.kubeconfig);
} catch (e) {
  process.stderr.write(`kubelet: ${(e as Error).message}\n`);
  process.exit(2);
}
const renewMs = (flags['node-lease-duration-seconds'] * 1000) / 4;
const clients = makeClients(kc, Math.max(1000, Math.min(10_000, renewMs)), `kubelet/${nodeName}`);
const ac = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    log('shutting down', { signal: sig });
    ac.abort();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
log('starting', {
  node: nodeName,
  nodeIp: flags['node-ip'],
  nodeLeaseDurationSeconds: flags['node-lease-duration-seconds'],
  nodeStatusUpdateFrequencyMs: flags['node-status-update-frequency'],
  server: kc.getCurrentCluster()?.server,
});
runKubelet({
  nodeName,
  nodeIp: flags['node-ip'] || '127.0.0.1',
  leaseDurationS: flags['node-lease-duration-seconds'],
  statusUpdateMs: flags['node-status-update-frequency'],
  podStartDelayMs: flags['lab-pod-start-delay'],
  clients,
  kc,
  log,
  signal: ac.signal,
}).then(
  () => process.exit(0),
  (e) => {
    if (ac.signal.aborted) process.exit(0);
    log('fatal', { error: String(e) });
    process.exit(1);
  },
);
