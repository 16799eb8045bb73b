/**
 * Filling the expected-window inputs from the lab config (kind/ssh targets fill the same HaTimings
 * object from the static-pod manifests and haproxy/keepalived configs they read).
 */

import type { HaTimings } from '../targets/types.ts';
import type { LabTimings } from './config.ts';

export interface LabTimingOptions {
  /** keepalived priority of the backup LB that takes over (lab: lb2 = 100). */
  readonly backupPriority?: number;
  /** tolerationSeconds of the drill workload (default: the apiserver's default unreachable toleration). */
  readonly tolerationSeconds?: number;
}

export function haTimingsFromLab(t: LabTimings, o: LabTimingOptions = {}): HaTimings {
  return {
    nodeMonitorGracePeriodS: t.nodeLifecycle.nodeMonitorGracePeriodS,
    nodeMonitorPeriodS: t.nodeLifecycle.nodeMonitorPeriodS,
    // The kubelet renews its node Lease every 1/4 of nodeLeaseDurationSeconds.
    nodeLeaseRenewIntervalS: t.kubelet.nodeLeaseDurationS / 4,
    tolerationSeconds: o.tolerationSeconds ?? t.apiserver.defaultUnreachableTolerationS,
    masterLeaseTtlS: t.apiserver.masterLeaseTtlS,
    endpointReconcileIntervalS: t.apiserver.endpointReconcileIntervalS,
    leaseDurationS: t.leaderElection.leaseDurationS,
    retryPeriodS: t.leaderElection.retryPeriodS,
    advertIntS: t.keepalived.advertIntS,
    priority: o.backupPriority ?? 100,
    checkInterMs: t.haproxy.checkInterMs,
    fall: t.haproxy.fall,
    checkTimeoutMs: t.haproxy.checkTimeoutMs,
    etcdHeartbeatMs: t.etcd.heartbeatMs,
    etcdElectionMs: t.etcd.electionMs,
  };
}
