/**
 * The lab's kube-scheduler: leader-elected on kube-system/kube-scheduler; while leading it binds pending
 * pods to Ready nodes. On SIGTERM it releases the lease (empty holder, 1 s) so a standby takes over
 * within ~a retry period, as upstream (ReleaseOnCancel).
 *
 *   tsx src/kube/scheduler/main.ts --kubeconfig /etc/kubernetes/scheduler.conf --leader-elect=true
 */
import { runLeaderElectedComponent } from '../leaderelection/component.ts';
import { checkSecureServing, startSecureServing } from '../leaderelection/serving.ts';
import { FLAGS } from './flags.ts';

await runLeaderElectedComponent({
  command: 'kube-scheduler',
  flags: FLAGS,
  check: checkSecureServing,
  releaseOnCancel: true,
  async controllers({ flags, clients, log }) {
    const { Scheduler } = await import('./scheduler.ts');
    await startSecureServing({ bindAddress: flags['bind-address'], port: flags['secure-port'], log });
    const scheduler = new Scheduler(clients, log);
    return (signal) => scheduler.run(signal);
  },
});
