/**
 * The lab's kube-controller-manager: leader-elected on kube-system/kube-controller-manager; while
 * leading it runs the node lifecycle, taint eviction and ReplicaSet controllers. It does not release
 * the lease on SIGTERM, and exits 1 when it loses leadership ("leaderelection lost"), as upstream.
 * Its secure port (10257) serves /metrics: leader_election_master_status and node_collector_*.
 *
 *   tsx src/kube/controller-manager/main.ts --kubeconfig cp1.kubeconfig --node-monitor-grace-period 40s
 */
import { runLeaderElectedComponent } from '../leaderelection/component.ts';
import { FLAGS } from './flags.ts';

await runLeaderElectedComponent({
  command: 'kube-controller-manager',
  flags: FLAGS,
  releaseOnCancel: false,
  describe: (f) => ({
    nodeMonitorPeriodMs: f['node-monitor-period'],
    nodeMonitorGracePeriodMs: f['node-monitor-grace-period'],
  }),
  async controllers({ flags, clients, log, kc, registry }) {
    const { NodeLifecycleController } = await import('./nodelifecycle/controller.ts');
    const { nodeLifecycleMetrics } = await import('./nodelifecycle/metrics.ts');
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
      metrics: nodeLifecycleMetrics(registry),
    });
    const taintEviction = new TaintEvictionController(clients, log, { kc });
    const replicaSets = new ReplicaSetController(clients, log);
    return async (signal) => {
      await Promise.all([nlc.run(signal), taintEviction.run(signal), replicaSets.run(signal)]);
    };
  },
});
