/**
 * The lab's kubelet agent: registers its Node, renews kube-node-lease/<node>, posts the Ready
 * heartbeat, runs the pods bound to it and, with a staticPodPath, runs static pods (kubeadm's control
 * plane) as real processes. Flags follow the kubelet's names; `--config` reads a
 * KubeletConfiguration file (static/config.ts) and a flag given on the command line overrides it.
 * Its server (server.ts, 0.0.0.0:10250 by default) serves /metrics (metrics.ts) and /healthz
 * behind client-certificate authentication; healthz.ts serves plain /healthz on 127.0.0.1:10248.
 * With --bootstrap-kubeconfig (kubeadm's drop-in) an expired client certificate is a failed start
 * (bootstrap.ts), as upstream's.
 *
 *   tsx src/kube/kubelet/main.ts --kubeconfig w1.kubeconfig --hostname-override w1 --node-ip 198.18.0.31
 *   kubelet --bootstrap-kubeconfig /etc/kubernetes/bootstrap-kubelet.conf \
 *     --kubeconfig /etc/kubernetes/kubelet.conf --config /var/lib/kubelet/config.yaml \
 *     --hostname-override cp1 --node-ip 198.18.0.11
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { KUBECONFIG_FLAG, startComponent } from '../runtime/component.ts';
import { parseTaints } from './node.ts';
import { DEFAULT_CERT_DIR } from './server.ts';
import {
  KUBELET_CONFIG_DEFAULTS as D,
  explicitFlags,
  type KubeletConfig,
  parseKubeletConfig,
  resolveKubeletConfig,
} from './static/config.ts';

const FLAGS = {
  kubeconfig: {
    ...KUBECONFIG_FLAG,
    required: false,
    help: "Kubeconfig of the API server (kubeadm: /etc/kubernetes/kubelet.conf); empty: standalone mode, static pods only (kubeadm's external-etcd hosts).",
  },
  'bootstrap-kubeconfig': {
    type: 'string',
    default: '',
    help: "Kubeconfig to request a client certificate with when --kubeconfig's has expired or is missing (kubeadm: /etc/kubernetes/bootstrap-kubelet.conf, deleted after join; see bootstrap.ts).",
  },
  config: {
    type: 'string',
    default: '',
    help: 'KubeletConfiguration file (kubeadm: /var/lib/kubelet/config.yaml); flags given on the command line override it.',
  },
  'hostname-override': { type: 'string', default: '', help: 'Node name (default: os.hostname()).' },
  'node-ip': { type: 'string', default: '', help: 'IP address of the node, reported as InternalIP.' },
  'register-with-taints': {
    type: 'string',
    default: '',
    help: 'Taints the Node is registered with, key[=value]:Effect,... (kubeadm: node-role.kubernetes.io/control-plane:NoSchedule).',
  },
  'node-lease-duration-seconds': {
    type: 'int',
    default: D.nodeLeaseDurationSeconds,
    min: 1,
    help: 'Duration of the node Lease; it is renewed every 1/4 of it (config: nodeLeaseDurationSeconds).',
  },
  'node-status-update-frequency': {
    type: 'duration',
    default: D.nodeStatusUpdateFrequencyMs,
    min: 100,
    help: 'How often the kubelet posts node status (config: nodeStatusUpdateFrequency).',
  },
  'pod-manifest-path': {
    type: 'string',
    default: D.staticPodPath,
    help: 'Directory of static pod manifests (config: staticPodPath); empty: no static pods.',
  },
  'file-check-frequency': {
    type: 'duration',
    default: D.fileCheckFrequencyMs,
    min: 10,
    help: 'How often the static pod path is listed again besides file events (config: fileCheckFrequency).',
  },
  'sync-frequency': {
    type: 'duration',
    default: D.syncFrequencyMs,
    min: 10,
    help: 'Max period between syncs of running containers and config (config: syncFrequency).',
  },
  'root-dir': {
    type: 'string',
    default: '/var/lib/kubelet',
    help: 'The kubelet state directory (static pod container records under <root-dir>/pods).',
  },
  address: {
    type: 'string',
    default: D.address,
    help: 'IP address of the server on --port (config: address).',
  },
  port: {
    type: 'int',
    default: D.port,
    min: 1,
    max: 65535,
    help: 'Port of the HTTPS server: /metrics, /healthz (config: port).',
  },
  'tls-cert-file': {
    type: 'string',
    default: '',
    help: 'Serving certificate (config: tlsCertFile); none: kubelet.crt in --cert-dir, self-signed if missing.',
  },
  'tls-private-key-file': {
    type: 'string',
    default: '',
    help: 'Key of --tls-cert-file (config: tlsPrivateKeyFile).',
  },
  'cert-dir': {
    type: 'string',
    default: DEFAULT_CERT_DIR,
    help: 'Directory of the self-signed kubelet.crt/kubelet.key when no --tls-cert-file is given.',
  },
  'healthz-port': {
    type: 'int',
    default: D.healthzPort,
    min: 0,
    max: 65535,
    help: 'Port of the plain HTTP /healthz server; 0 disables it (config: healthzPort).',
  },
  'healthz-bind-address': {
    type: 'string',
    default: D.healthzBindAddress,
    help: 'IP address of the healthz server (config: healthzBindAddress).',
  },
  'client-ca-file': {
    type: 'string',
    default: '',
    help: 'CA bundle that verifies client certificates (config: authentication.x509.clientCAFile).',
  },
  'anonymous-auth': {
    type: 'bool',
    default: true,
    help: 'Requests without a client certificate are system:anonymous (config: authentication.anonymous.enabled, false in a config file); else 401.',
  },
  'authorization-mode': {
    type: 'string',
    default: 'AlwaysAllow',
    help: 'AlwaysAllow or Webhook (config: authorization.mode, Webhook in a config file; Webhook allows every authenticated user, as the lab apiserver does).',
  },
  'lab-pod-logs-dir': {
    type: 'string',
    default: '',
    help: 'Container log root (config: podLogsDir; default /var/log/pods).',
  },
  'lab-crash-backoff': {
    type: 'duration',
    default: 10_000,
    min: 1,
    help: 'Initial container restart back-off (upstream 10s; doubled up to --lab-crash-backoff-max).',
  },
  'lab-crash-backoff-max': {
    type: 'duration',
    default: 300_000,
    min: 1,
    help: 'Max restart back-off (upstream 5m).',
  },
  'lab-crash-backoff-reset': {
    type: 'duration',
    default: 600_000,
    min: 1,
    help: 'A container that ran this long since its last restart restarts at once again (upstream 10m).',
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
  kubeconfig: 'optional',
  graceMs: 2000,
  logName: (v) => `kubelet[${nodeNameOf(v)}]`,
  check: (v) => {
    if (v['node-ip'] && !/^\d{1,3}(\.\d{1,3}){3}$/.test(v['node-ip'])) {
      throw new Error(`--node-ip '${v['node-ip']}' is not an IPv4 address`);
    }
    parseTaints(v['register-with-taints']);
    if (!isIP(v.address)) {
      throw new Error(`--address '${v.address}' is not an IP address`);
    }
    if (!isIP(v['healthz-bind-address'])) {
      throw new Error(`--healthz-bind-address '${v['healthz-bind-address']}' is not an IP address`);
    }
    if (v['authorization-mode'] !== 'AlwaysAllow' && v['authorization-mode'] !== 'Webhook') {
      throw new Error(`--authorization-mode '${v['authorization-mode']}': use AlwaysAllow or Webhook`);
    }
    if (v['bootstrap-kubeconfig'] && !v.kubeconfig) {
      throw new Error(
        '--bootstrap-kubeconfig needs --kubeconfig (the file the bootstrapped credentials go to); give both, or neither for standalone mode',
      );
    }
    if (Boolean(v['tls-cert-file']) !== Boolean(v['tls-private-key-file'])) {
      throw new Error('--tls-cert-file and --tls-private-key-file go together: give both or neither');
    }
  },
});
// The client credentials first, as upstream's run() builds its client config before anything else
// (bootstrap.ts): an expired certificate with no bootstrap kubeconfig is a failed start.
const { checkClientConfig } = await import('./bootstrap.ts');
const credentials = kc
  ? checkClientConfig(flags.kubeconfig, flags['bootstrap-kubeconfig'])
  : ({ use: 'kubeconfig', why: 'standalone' } as const);
if (credentials.use === 'none') {
  log('failed to run Kubelet', { err: credentials.error });
  process.stderr.write(`kubelet: failed to run Kubelet: ${credentials.error}\n`);
  process.exit(1);
}
let fileConfig: Partial<KubeletConfig> | undefined;
if (flags.config) {
  try {
    fileConfig = parseKubeletConfig(readFileSync(flags.config, 'utf8'), flags.config);
  } catch (e) {
    process.stderr.write(`kubelet: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
const given = explicitFlags(process.argv.slice(2));
const fromFlags: Partial<Record<keyof KubeletConfig, unknown>> = {};
const FLAG_FIELDS: [string, keyof KubeletConfig, unknown][] = [
  ['pod-manifest-path', 'staticPodPath', flags['pod-manifest-path']],
  ['file-check-frequency', 'fileCheckFrequencyMs', flags['file-check-frequency']],
  ['sync-frequency', 'syncFrequencyMs', flags['sync-frequency']],
  ['node-status-update-frequency', 'nodeStatusUpdateFrequencyMs', flags['node-status-update-frequency']],
  ['node-lease-duration-seconds', 'nodeLeaseDurationSeconds', flags['node-lease-duration-seconds']],
  ['lab-pod-logs-dir', 'podLogsDir', flags['lab-pod-logs-dir']],
  ['address', 'address', flags.address],
  ['port', 'port', flags.port],
  ['tls-cert-file', 'tlsCertFile', flags['tls-cert-file']],
  ['tls-private-key-file', 'tlsPrivateKeyFile', flags['tls-private-key-file']],
  ['client-ca-file', 'clientCAFile', flags['client-ca-file']],
  ['anonymous-auth', 'anonymousAuth', flags['anonymous-auth']],
  ['authorization-mode', 'authorizationMode', flags['authorization-mode']],
  ['healthz-port', 'healthzPort', flags['healthz-port']],
  ['healthz-bind-address', 'healthzBindAddress', flags['healthz-bind-address']],
];
for (const [flag, field, value] of FLAG_FIELDS) if (given.has(flag)) fromFlags[field] = value;
const cfg = resolveKubeletConfig(fileConfig, fromFlags as Partial<KubeletConfig>);

const nodeName = nodeNameOf(flags);
const { makeClients } = await import('../runtime/kube.ts');
const { runKubelet, runStandaloneKubelet } = await import('./agent.ts');
const { newComponentRegistry } = await import('../runtime/metrics.ts');
const { kubeletMetrics, RuntimeView } = await import('./metrics.ts');
const { startKubeletServer } = await import('./server.ts');
const { startHealthz } = await import('./healthz.ts');
const registry = newComponentRegistry();
const view = new RuntimeView();
kubeletMetrics(registry, nodeName, view);
try {
  await startKubeletServer({ cfg, certDir: flags['cert-dir'], hostname: nodeName, registry, log });
} catch (e) {
  process.stderr.write(`kubelet: ${(e as Error).message}\n`);
  process.exit(1);
}
const staticPods = cfg.staticPodPath
  ? {
      dir: cfg.staticPodPath,
      fileCheckFrequencyMs: cfg.fileCheckFrequencyMs,
      rootDir: flags['root-dir'],
      podLogsDir: cfg.podLogsDir,
      backoff: {
        initialMs: flags['lab-crash-backoff'],
        maxMs: flags['lab-crash-backoff-max'],
        resetMs: flags['lab-crash-backoff-reset'],
      },
    }
  : undefined;
const running = kc ? runWithApi(kc) : runStandalone();

/** Standalone mode (no --kubeconfig): the static pods only, no Node, Lease, status or mirror pods. */
function runStandalone(): Promise<void> {
  // cmd/kubelet/app/server.go run(): "Standalone mode, no API client"; pkg/kubelet/kubelet.go
  // Run(): "No API server defined - no node status update will be sent".
  log('Standalone mode, no API client', { node: nodeName, staticPodPath: cfg.staticPodPath || undefined });
  log('No API server defined - no node status update will be sent');
  return runStandaloneKubelet({
    nodeName,
    nodeIp: flags['node-ip'] || '127.0.0.1',
    log,
    signal: shutdown,
    view,
    staticPods,
  });
}

function runWithApi(kc: KubeConfig): Promise<void> {
  const renewMs = (cfg.nodeLeaseDurationSeconds * 1000) / 4;
  const clients = makeClients(kc, Math.max(1000, Math.min(10_000, renewMs)), `kubelet/${nodeName}`);
  log('starting', {
    node: nodeName,
    nodeIp: flags['node-ip'],
    nodeLeaseDurationSeconds: cfg.nodeLeaseDurationSeconds,
    nodeStatusUpdateFrequencyMs: cfg.nodeStatusUpdateFrequencyMs,
    staticPodPath: cfg.staticPodPath || undefined,
    server: kc.getCurrentCluster()?.server,
  });
  return runKubelet({
    nodeName,
    nodeIp: flags['node-ip'] || '127.0.0.1',
    leaseDurationS: cfg.nodeLeaseDurationSeconds,
    statusUpdateMs: cfg.nodeStatusUpdateFrequencyMs,
    podStartDelayMs: flags['lab-pod-start-delay'],
    registerWithTaints: parseTaints(flags['register-with-taints']),
    clients,
    kc,
    log,
    signal: shutdown,
    view,
    ...(staticPods ? { staticPods } : {}),
  });
}
// Once the kubelet runs, as upstream starts it after RunKubelet (healthz.ts).
startHealthz(cfg.healthzBindAddress, cfg.healthzPort, log, shutdown);
exitWith(running.then(() => 0));
