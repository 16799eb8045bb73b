/**
 * Filling the expected-window inputs from the lab config (kind/ssh targets fill the same
 * TimingInputs from the static-pod manifests and haproxy/keepalived configs they read).
 */

import { originsOf, type TimingInputs } from '../targets/defaults.ts';
import type { LabTimings } from './config.ts';

/** haproxy's `timeout connect` in the guide's config the lab writes (haproxy.ts). */
const HAPROXY_TIMEOUT_CONNECT_MS = 5000;

export interface LabTimingOptions {
  /** The preset's name, for the inputs' origin. */
  readonly preset?: string;
  /** keepalived priority of the backup LB that takes over (lab: lb2 = 100). */
  readonly backupPriority?: number;
  /** The LBs are a keepalived VRRP pair (default); a single LB has no VRRP inputs. */
  readonly vrrp?: boolean;
  /** tolerationSeconds of the drill workload (default: the apiserver's default unreachable toleration). */
  readonly tolerationSeconds?: number;
}

/** The lab config's timings as the windows' inputs, each with the lab preset as its origin. */
export function haTimingsFromLab(t: LabTimings, o: LabTimingOptions = {}): TimingInputs {
  const vrrp: Partial<TimingInputs> =
    o.vrrp === false
      ? {}
      : {
          advertIntS: t.keepalived.advertIntS,
          priority: o.backupPriority ?? 100,
          // keepalived's default (the guide's keepalived.conf sets no vrrp_version)
          vrrpVersion: 2,
        };
  const values: TimingInputs = {
    nodeMonitorGracePeriodS: t.nodeLifecycle.nodeMonitorGracePeriodS,
    nodeMonitorPeriodS: t.nodeLifecycle.nodeMonitorPeriodS,
    // The kubelet renews its node Lease every 1/4 of nodeLeaseDurationSeconds.
    nodeLeaseRenewIntervalS: t.kubelet.nodeLeaseDurationS / 4,
    tolerationSeconds: o.tolerationSeconds ?? t.apiserver.defaultUnreachableTolerationS,
    masterLeaseTtlS: t.apiserver.masterLeaseTtlS,
    endpointReconcileIntervalS: t.apiserver.endpointReconcileIntervalS,
    shutdownDelayS: t.apiserver.shutdownDelayS,
    leaseDurationS: t.leaderElection.leaseDurationS,
    retryPeriodS: t.leaderElection.retryPeriodS,
    ...vrrp,
    checkInterMs: t.haproxy.checkInterMs,
    fall: t.haproxy.fall,
    checkTimeoutMs: t.haproxy.checkTimeoutMs,
    checkConnectTimeoutMs: HAPROXY_TIMEOUT_CONNECT_MS,
    rise: t.haproxy.rise,
    lbChecker: 'haproxy',
    etcdHeartbeatMs: t.etcd.heartbeatMs,
    etcdElectionMs: t.etcd.electionMs,
  };
  return {
    ...values,
    origins: originsOf(values, { kind: 'lab', where: `lab preset ${o.preset ?? 'unnamed'}` }),
  };
}
