/**
 * The lab's kube-controller-manager: leader-elected on kube-system/kube-controller-manager; while
 * leading it runs the node lifecycle, taint eviction and ReplicaSet controllers. It does not release
 * the lease on SIGTERM, and exits 1 when it loses leadership ("leaderelection lost"), as upstream.
 *
 *   tsx src/kube/controller-manager/main.ts --kubeconfig cp1.kubeconfig --node-monitor-grace-period 40s
 */
import { runLeaderElectedComponent } from '../leaderelection/component.ts';

const FLAGS = {
  'node-monitor-period': {
    type: 'duration',
    default: 5_000,
    min: 1,
    help: 'Period of the node health check.',
  },
  'node-monitor-grace-period': {
    type: 'duration',
    default: 40_000,
    min: 1,
    help: 'How long a node may be unresponsive before it is marked Unknown (lab/seeds 40s; upstream 50s since v1.32).',
  },
  'node-startup-grace-period': {
    type: 'duration',
    default: 60_000,
    help: 'How long a starting node may be unresponsive before it is marked unhealthy.',
  },
  'node-eviction-rate': {
    type: 'number',
    default: 0.1,
    min: 0,
    help: 'Nodes per second NoExecute-tainted in a healthy zone.',
  },
  'secondary-node-eviction-rate': {
    type: 'number',
    default: 0.01,
    min: 0,
    help: 'Nodes per second NoExecute-tainted in a partially disrupted zone of a large cluster.',
  },
  'large-cluster-size-threshold': {
    type: 'int',
    default: 50,
    help: 'Zone size above which the secondary rate applies.',
  },
  'unhealthy-zone-threshold': {
    type: 'number',
    default: 0.55,
    min: 0,
    help: 'Fraction of not-Ready nodes (at least 3) that makes a zone partially disrupted.',
  },
} as const;

await runLeaderElectedComponent({
  command: 'kube-controller-manager',
  flags: FLAGS,
  releaseOnCancel: false,
  describe: (f) => ({
    nodeMonitorPeriodMs: f['node-monitor-period'],
    nodeMonitorGracePeriodMs: f['node-monitor-grace-period'],
  }),
  async controllers({ flags, clients, log }) {
    const { NodeLifecycleController } = await import('./nodelifecycle/controller.ts');
    const { ReplicaSetController } = await import('./replicaset/controller.ts');
    const { TaintEvictionController } = await import('./tainteviction/controller.ts');
    const nlc = new NodeLifecycleController({
      clients,
      log,
      monitorPeriodMs: flags['node-monitor-period'],
      gracePeriodMs: flags['node-monitor-grace-period'],
      startupGracePeriodMs: flags['node-startup-grace-period'],
      eviction: {
        evictionRate: flags['node-eviction-rate'],
        secondaryEvictionRate: flags['secondary-node-eviction-rate'],
        largeClusterThreshold: flags['large-cluster-size-threshold'],
        unhealthyZoneThreshold: flags['unhealthy-zone-threshold'],
      },
    });
    const taintEviction = new TaintEvictionController(clients, log);
    const replicaSets = new ReplicaSetController(clients, log);
    return async (signal) => {
      await Promise.all([nlc.run(signal), taintEviction.run(signal), replicaSets.run(signal)]);
    };
  },
});
