/**
 * The lab's kube-controller-manager: leader-elected on kube-system/kube-controller-manager; while
 * leading it runs the node lifecycle, taint eviction and ReplicaSet controllers. It does not release
 * the lease on SIGTERM, and exits 1 when it loses leadership ("leaderelection lost"), as upstream.
 *
 *   tsx src/kube/controller-manager/main.ts --kubeconfig cp1.kubeconfig --node-monitor-grace-period 40s
 */
import { runLeaderElectedComponent } from '../leaderelection/component.ts';
import { checkSecureServing, startSecureServing } from '../leaderelection/serving.ts';
import { FLAGS } from './flags.ts';

await runLeaderElectedComponent({
  command: 'kube-controller-manager',
  flags: FLAGS,
  check: checkSecureServing,
  releaseOnCancel: false,
  describe: (f) => ({
    nodeMonitorPeriodMs: f['node-monitor-period'],
    nodeMonitorGracePeriodMs: f['node-monitor-grace-period'],
  }),
  async controllers({ flags, clients, log, kc }) {
    const { NodeLifecycleController } = await import('./nodelifecycle/controller.ts');
    const { ReplicaSetController } = await import('./replicaset/controller.ts');
    const { TaintEvictionController } = await import('./tainteviction/controller.ts');
    await startSecureServing({ bindAddress: flags['bind-address'], port: flags['secure-port'], log });
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
    const taintEviction = new TaintEvictionController(clients, log, { kc });
    const replicaSets = new ReplicaSetController(clients, log);
    return async (signal) => {
      await Promise.all([nlc.run(signal), taintEviction.run(signal), replicaSets.run(signal)]);
    };
  },
});
