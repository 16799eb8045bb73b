/**
 * A whole leader-elected component (kube-controller-manager, kube-scheduler): --kubeconfig and the
 * leader-election flags beside its own, one client set for the controllers and one whose request
 * timeout is about renewDeadline / 2 for the lock (as client-go's leaderelection config advises),
 * the metrics registry (process metrics, leader_election_master_status{name=<lease>}) served on
 * the secure port (serving.ts) from start, leader or not, SIGTERM/SIGINT, and the exit codes of
 * `runLeaderElected` (1 when leadership is lost).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { KUBECONFIG_FLAG, startComponent } from '../runtime/component.ts';
import type { FlagSpec, FlagValues } from '../runtime/flags.ts';
import type { Clients } from '../runtime/kube.ts';
import type { Logger } from '../runtime/log.ts';
import { newComponentRegistry } from '../runtime/metrics.ts';
import { validateTimings } from './elector.ts';
import { type LeaderElectValues, leaderElectFlags } from './flags.ts';
import { leaderMetrics } from './metrics.ts';
import { checkSecureServing, type secureServingFlags, startSecureServing } from './serving.ts';

type ServingFlags = ReturnType<typeof secureServingFlags>;

export interface LeaderElectedComponent<S extends ServingFlags & Record<string, FlagSpec>> {
  readonly command: 'kube-controller-manager' | 'kube-scheduler';
  /** The component's own flags (kubeconfig and leader election are added). */
  readonly flags: S;
  readonly check?: (v: FlagValues<S>) => void;
  /** Scheduler: true (releases the lease on SIGTERM); controller-manager: false (as upstream). */
  readonly releaseOnCancel: boolean;
  /** Extra fields of the `starting` log line. */
  readonly describe?: (v: FlagValues<S>) => Record<string, unknown>;
  /** Loads the controllers (lazily: after the flags are good) and returns what runs them while leading. */
  readonly controllers: (ctx: {
    readonly flags: FlagValues<S>;
    readonly clients: Clients;
    readonly log: Logger;
    /** The component's kubeconfig, for controllers that watch. */
    readonly kc: KubeConfig;
    /** The process's metrics registry (served on /metrics). */
    readonly registry: Registry;
  }) => Promise<(signal: AbortSignal) => Promise<void>>;
}

export async function runLeaderElectedComponent<S extends ServingFlags & Record<string, FlagSpec>>(
  o: LeaderElectedComponent<S>,
): Promise<void> {
  const spec = { kubeconfig: KUBECONFIG_FLAG, ...o.flags, ...leaderElectFlags(o.command) };
  const le = (v: unknown) => v as LeaderElectValues;
  const c = await startComponent({
    command: o.command,
    flags: spec,
    // After SIGTERM the elector stops renewing and, with ReleaseOnCancel, releases the Lease,
    // which client-go bounds by the renew deadline (staging/src/k8s.io/client-go/tools/
    // leaderelection/leaderelection.go `release`: context.WithTimeout(…, RenewDeadline)), after
    // the renewal in flight (also up to the renew deadline): the hard exit comes after both, not
    // before (a fixed 3 s cut a release short on the fast lab, whose renew deadline is 4 s: the
    // scheduler's Lease then waited out its duration, 7.2 s instead of ~1 s).
    graceMs: (v) => Math.max(3000, le(v)['leader-elect-renew-deadline'] * 2 + 1000),
    logName: (v) => `${o.command}[${le(v)['lab-hostname'] || 'local'}]`,
    check: (v) => {
      checkSecureServing(v as FlagValues<ServingFlags>);
      o.check?.(v as FlagValues<S>);
      const f = le(v);
      if (f['leader-elect']) {
        validateTimings(
          f['leader-elect-lease-duration'],
          f['leader-elect-renew-deadline'],
          f['leader-elect-retry-period'],
        );
      }
    },
  });
  const f = le(c.flags);
  const own = c.flags as FlagValues<S>;
  const { makeClients } = await import('../runtime/kube.ts');
  const { runLeaderElected } = await import('./run.ts');
  const clients = makeClients(c.kc, 10_000, o.command);
  const leClients = makeClients(
    c.kc,
    Math.max(500, f['leader-elect-renew-deadline'] / 2),
    `${o.command}/leader-election`,
  );
  const registry = newComponentRegistry();
  await startSecureServing({
    flags: own as unknown as FlagValues<ServingFlags>,
    registry,
    log: c.log,
    signal: c.shutdown,
  });
  const lead = await o.controllers({ flags: own, clients, log: c.log, kc: c.kc, registry });
  c.log('starting', {
    server: c.kc.getCurrentCluster()?.server,
    ...o.describe?.(own),
    leaseDurationMs: f['leader-elect-lease-duration'],
    renewDeadlineMs: f['leader-elect-renew-deadline'],
    retryPeriodMs: f['leader-elect-retry-period'],
  });
  c.exitWith(
    runLeaderElected({
      flags: f,
      clients: leClients,
      log: c.log,
      releaseOnCancel: o.releaseOnCancel,
      lead,
      shutdown: c.shutdown,
      metrics: leaderMetrics(registry, f['leader-elect-resource-name']),
    }),
  );
}
