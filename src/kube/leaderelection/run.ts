/**
 * `runLeaderElected`: a LeaderElector on a LeaseLock wired into a component process (identity
 * `<hostname>_<uuid>`, --leader-elect=false, exit codes).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Clients } from '../runtime/kube.ts';
import type { Logger } from '../runtime/log.ts';
import { LeaderElector } from './elector.ts';
import type { LeaderElectValues } from './flags.ts';
import { LeaseLock } from './leaselock.ts';
import type { LeaderMetrics } from './metrics.ts';

export function newIdentity(hostname: string = os.hostname()): string {
  return `${hostname}_${randomUUID()}`;
}

export interface RunLeaderElectedOptions {
  readonly flags: LeaderElectValues;
  /** Clients for the lock; their per-request timeout should be about renewDeadline / 2. */
  readonly clients: Clients;
  readonly log: Logger;
  /** Scheduler: true (releases on SIGTERM); controller-manager: false (as upstream). */
  readonly releaseOnCancel: boolean;
  /** Runs the controllers until `signal` aborts (stopped leading or shutting down). */
  readonly lead: (signal: AbortSignal) => Promise<void>;
  /** Aborted on SIGTERM/SIGINT by the caller. */
  readonly shutdown: AbortSignal;
  readonly metrics?: LeaderMetrics;
}

/**
 * Runs `lead` under leader election (or directly with --leader-elect=false). Resolves with the exit code:
 * 0 after a requested shutdown, 1 when leadership was lost ("leaderelection lost", as upstream).
 */
export async function runLeaderElected(o: RunLeaderElectedOptions): Promise<number> {
  const f = o.flags;
  if (!f['leader-elect']) {
    o.log('leader election disabled, running controllers');
    await o.lead(o.shutdown);
    return 0;
  }
  if (f['leader-elect-resource-lock'] !== 'leases') {
    throw new Error(
      `--leader-elect-resource-lock=${f['leader-elect-resource-lock']}: only 'leases' is supported`,
    );
  }
  const identity = newIdentity(f['lab-hostname'] || os.hostname());
  const lock = new LeaseLock(
    o.clients.coord,
    f['leader-elect-resource-namespace'],
    f['leader-elect-resource-name'],
    identity,
  );
  let leading: Promise<void> | undefined;
  const elector = new LeaderElector({
    lock,
    leaseDurationMs: f['leader-elect-lease-duration'],
    renewDeadlineMs: f['leader-elect-renew-deadline'],
    retryPeriodMs: f['leader-elect-retry-period'],
    releaseOnCancel: o.releaseOnCancel,
    log: o.log,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    callbacks: {
      onStartedLeading: (signal) => {
        o.log('started leading', { lock: lock.describe(), identity });
        leading = o.lead(signal).catch((e) => o.log('controllers failed', { error: String(e) }));
      },
      onStoppedLeading: () => o.log('stopped leading', { lock: lock.describe(), identity }),
      onNewLeader: (id) => o.log('new leader observed', { lock: lock.describe(), leader: id || '<none>' }),
    },
  });
  o.log('leader election candidate', { lock: lock.describe(), identity });
  const why = await elector.run(o.shutdown);
  await leading;
  if (why === 'lost' && !o.shutdown.aborted) {
    o.log('leaderelection lost');
    return 1;
  }
  return 0;
}
