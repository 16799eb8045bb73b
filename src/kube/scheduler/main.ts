/**
 * The lab's kube-scheduler: leader-elected on kube-system/kube-scheduler; while leading it binds pending
 * pods to Ready nodes. On SIGTERM it releases the lease (empty holder, 1 s) so a standby takes over
 * within ~a retry period, as upstream (ReleaseOnCancel). Its secure port (10259) serves /metrics:
 * leader_election_master_status and scheduler_* (metrics.ts).
 *
 *   tsx src/kube/scheduler/main.ts --kubeconfig /etc/kubernetes/scheduler.conf --leader-elect=true
 */
import { runLeaderElectedComponent } from '../leaderelection/component.ts';
import { FLAGS } from './flags.ts';

await runLeaderElectedComponent({
  command: 'kube-scheduler',
  flags: FLAGS,
  releaseOnCancel: true,
  async controllers({ clients, log, registry }) {
    const { Scheduler } = await import('./scheduler.ts');
    const { schedulerMetrics } = await import('./metrics.ts');
    const scheduler = new Scheduler(clients, log, schedulerMetrics(registry));
    return (signal) => scheduler.run(signal);
  },
});
