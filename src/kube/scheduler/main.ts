/**
 * The lab's kube-scheduler: leader-elected on kube-system/kube-scheduler; while leading it binds pending
 * pods to Ready nodes. On SIGTERM it releases the lease (empty holder, 1 s) so a standby takes over
 * within ~a retry period, as upstream (ReleaseOnCancel).
 *
 *   tsx src/kube/scheduler/main.ts --kubeconfig cp1.kubeconfig --lab-hostname cp1
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
  ...leaderElectFlags('kube-scheduler'),
} as const;

const flags = parseFlagsOrExit('kube-scheduler', process.argv.slice(2), FLAGS, (v) => {
  if (!v.kubeconfig) throw new Error('--kubeconfig is required');
  if (v['leader-elect']) {
    validateTimings(
      v['leader-elect-lease-duration'],
      v['leader-elect-renew-deadline'],
      v['leader-elect-retry-period'],
    );
  }
});
const log = createLogger(`kube-scheduler[${flags['lab-hostname'] || 'local'}]`);
// the Kubernetes client is heavy: load it only once the flags are known to be good
const { loadKubeConfig, makeClients } = await import('../runtime/kube.ts');
const { runLeaderElected } = await import('../leaderelection/index.ts');
const { Scheduler } = await import('./scheduler.ts');
let kc: ReturnType<typeof loadKubeConfig>;
try {
  kc = loadKubeConfig(flags.kubeconfig);
} catch (e) {
  process.stderr.write(`kube-scheduler: ${(e as Error).message}\n`);
  process.exit(2);
}
const clients = makeClients(kc, 10_000, 'kube-scheduler');
const leClients = makeClients(
  kc,
  Math.max(500, flags['leader-elect-renew-deadline'] / 2),
  'kube-scheduler/leader-election',
);
const shutdown = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    log('shutting down', { signal: sig });
    shutdown.abort();
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
log('starting', {
  server: kc.getCurrentCluster()?.server,
  leaseDurationMs: flags['leader-elect-lease-duration'],
  renewDeadlineMs: flags['leader-elect-renew-deadline'],
  retryPeriodMs: flags['leader-elect-retry-period'],
});
const scheduler = new Scheduler(clients, log);
runLeaderElected({
  flags,
  clients: leClients,
  log,
  releaseOnCancel: true,
  lead: (signal) => scheduler.run(signal),
  shutdown: shutdown.signal,
}).then(
  (code) => process.exit(code),
  (e) => {
    log('fatal', { error: String(e) });
    process.exit(1);
  },
);
