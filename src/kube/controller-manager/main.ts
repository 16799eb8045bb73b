/**
 * The lab's kube-controller-manager: leader-elected on kube-system/kube-controller-manager; while
 * leading it runs the node lifecycle, taint eviction and ReplicaSet controllers. It does not release
 * the lease on SIGTERM, and exits 1 when it loses leadership ("leaderelection lost"), as upstream.
 *
 *   tsx src/kube/controller-manager/main.ts --kubeconfig cp1.kubeconfig --node-monitor-grace-period 40s
 */
import { validateTimings } from '../leaderelection/elector.ts';
import { leaderElectFlags } from '../leaderelection/flags.ts';
import { parseFlagsOrExit } from '../runtime/flags.ts';
import { createLogger } from '../runtime/log.ts';

const FLAGS = {
  kubeconfig: {
    type: 'string',
    default: '',
    help: 'Path to the kubeconfig (the lab writes one per control plane).',
  },
  'node-monitor-period': { type: 'duration', default: 5_000, help: 'Period of the node health check.' },
  'node-monitor-grace-period': {
    type: 'duration',
    default: 40_000,
    help: 'How long a node may be unresponsive before it is marked Unknown (lab/seeds 40s; upstream 50s since v1.32).',
  },
  'node-startup-grace-period': {
    type: 'duration',
    default: 60_000,
    help: 'How long a starting node may be unresponsive before it is marked unhealthy.',
  },
  'node-eviction-rate': {
    type: 'string',
    default: '0.1',
    help: 'Nodes per second NoExecute-tainted in a healthy zone.',
  },
  'secondary-node-eviction-rate': {
    type: 'string',
    default: '0.01',
    help: 'Nodes per second NoExecute-tainted in a partially disrupted zone of a large cluster.',
  },
  'large-cluster-size-threshold': {
    type: 'int',
    default: 50,
    help: 'Zone size above which the secondary rate applies.',
  },
  'unhealthy-zone-threshold': {
    type: 'string',
    default: '0.55',
    help: 'Fraction of not-Ready nodes (at least 3) that makes a zone partially disrupted.',
  },
  ...leaderElectFlags('kube-controller-manager'),
} as const;

const num = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: '${v}' is not a non-negative number`);
  return n;
};

const flags = parseFlagsOrExit('kube-controller-manager', process.argv.slice(2), FLAGS, (v) => {
  if (!v.kubeconfig) throw new Error('--kubeconfig is required');
  if (v['node-monitor-period'] <= 0) throw new Error('--node-monitor-period must be positive');
  if (v['node-monitor-grace-period'] <= 0) throw new Error('--node-monitor-grace-period must be positive');
  num('node-eviction-rate', v['node-eviction-rate']);
  num('secondary-node-eviction-rate', v['secondary-node-eviction-rate']);
  num('unhealthy-zone-threshold', v['unhealthy-zone-threshold']);
  if (v['leader-elect']) {
    validateTimings(
      v['leader-elect-lease-duration'],
      v['leader-elect-renew-deadline'],
      v['leader-elect-retry-period'],
    );
  }
});
const log = createLogger(`kube-controller-manager[${flags['lab-hostname'] || 'local'}]`);
// the Kubernetes client is heavy: load it only once the flags are known to be good
const { loadKubeConfig, makeClients } = await import('../runtime/kube.ts');
const { runLeaderElected } = await import('../leaderelection/index.ts');
const { NodeLifecycleController } = await import('./nodelifecycle/controller.ts');
const { ReplicaSetController } = await import('./replicaset/controller.ts');
const { TaintEvictionController } = await import('./tainteviction/controller.ts');
let kc: ReturnType<typeof loadKubeConfig>;
try {
  kc = loadKubeConfig(flags.kubeconfig);
} catch (e) {
  process.stderr.write(`kube-controller-manager: ${(e as Error).message}\n`);
  process.exit(2);
}
const clients = makeClients(kc, 10_000, 'kube-controller-manager');
const leClients = makeClients(
  kc,
  Math.max(500, flags['leader-elect-renew-deadline'] / 2),
  'kube-controller-manager/leader-election',
);
const shutdown = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    log('shutting down', { signal: sig });
    shutdown.abort();
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

async function lead(signal: AbortSignal): Promise<void> {
  const nlc = new NodeLifecycleController({
    clients,
    log,
    monitorPeriodMs: flags['node-monitor-period'],
    gracePeriodMs: flags['node-monitor-grace-period'],
    startupGracePeriodMs: flags['node-startup-grace-period'],
    eviction: {
      evictionRate: Number(flags['node-eviction-rate']),
      secondaryEvictionRate: Number(flags['secondary-node-eviction-rate']),
      largeClusterThreshold: flags['large-cluster-size-threshold'],
      unhealthyZoneThreshold: Number(flags['unhealthy-zone-threshold']),
    },
  });
  await Promise.all([
    nlc.run(signal),
    new TaintEvictionController(clients, log).run(signal),
    new ReplicaSetController(clients, log).run(signal),
  ]);
}

log('starting', {
  server: kc.getCurrentCluster()?.server,
  nodeMonitorPeriodMs: flags['node-monitor-period'],
  nodeMonitorGracePeriodMs: flags['node-monitor-grace-period'],
  leaseDurationMs: flags['leader-elect-lease-duration'],
  renewDeadlineMs: flags['leader-elect-renew-deadline'],
  retryPeriodMs: flags['leader-elect-retry-period'],
});
runLeaderElected({
  flags,
  clients: leClients,
  log,
  releaseOnCancel: false,
  lead,
  shutdown: shutdown.signal,
}).then(
  (code) => process.exit(code),
  (e) => {
    log('fatal', { error: String(e) });
    process.exit(1);
  },
);
