/**
 * Leader-election metrics, as kubernetes/component-base
 * metrics/prometheus/clientgo/leaderelection/metrics.go registers them for client-go's elector:
 *  - `leader_election_master_status{name}` gauge: 1 while this process leads the lease, 0 as a
 *    backup; `name` is the LeaderElectionConfig's Name, the lease name (kube-controller-manager,
 *    kube-scheduler). client-go (tools/leaderelection/leaderelection.go) sets 0 when the elector is
 *    made, 1 when it acquires, 0 when a renewal fails; not on a cancelled run (the process exits).
 *  - `leader_election_slowpath_total{name}` counter: renewals that had to re-read the lock
 *    (tryAcquireOrRenew step 4 while leading).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** What the elector reports (elector.ts); the lease name is bound in. */
export interface LeaderMetrics {
  on(): void;
  off(): void;
  slowpath(): void;
}

export function leaderMetrics(registry: Registry, name: string): LeaderMetrics {
  const status = new Gauge({
    name: 'leader_election_master_status',
    help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
    labelNames: ['name'],
    registers: [registry],
  });
  const slowpath = new Counter({
    name: 'leader_election_slowpath_total',
    help: "Total number of slow path exercised in renewing leader leases. 'name' is the string used to identify the lease. Please make sure to group by name.",
    labelNames: ['name'],
    registers: [registry],
  });
  return {
    on: () => status.labels(name).set(1),
    off: () => status.labels(name).set(0),
    slowpath: () => slowpath.labels(name).inc(),
  };
}
