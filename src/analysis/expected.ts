/**
 * Expected windows, derived from the target's timing configuration. All in seconds. Formulas:
 *
 * - node_notready_s ∈ [grace, grace + monitorPeriod + leaseRenew]
 *   The node lifecycle controller marks a node Unknown once now > last heartbeat + grace. The last
 *   heartbeat (node Lease renewal) was up to one renew interval before the fault, and the controller
 *   only looks every monitor period, so the mark lands between grace and grace + period + renew
 *   (we keep the upper bound generous and the lower bound at grace, as the issue specifies).
 * - pod_eviction_s ∈ [grace + toleration, grace + monitorPeriod + leaseRenew + toleration + monitorPeriod]
 *   NoExecute taint follows NotReady (rate-limited queue), then pods go after tolerationSeconds.
 * - endpoint_removal_s ∈ [0, masterLeaseTtl + reconcileInterval]
 *   The dead apiserver's lease key expires after its TTL; a live apiserver's reconciler rewrites
 *   `default/kubernetes` on its next pass.
 * - lease_reelection_s: hard kill ∈ [leaseDuration − retry, leaseDuration + retry × 1.2];
 *   graceful release (holder emptied on stop) ∈ [0, retry × 1.2]. A candidate retries every
 *   retry period (jittered ×1.2) and takes over once the lease went unrenewed for leaseDuration.
 * - vip_takeover_s ∈ [2 × advert + skew, 3 × advert + skew + advert], skew = (256 − priority)/256 × advert
 *   Master_Down_Interval = 3 × advert_int + skew (RFC 5798); the last advert was up to one
 *   interval before the fault; one more interval of slack for ARP and probe resolution.
 * - lb_failover_s ∈ [0, checkInter × fall + checkTimeout]
 *   HAProxy marks a server down after `fall` failed checks spaced `inter`, each taking up to
 *   `timeout check`.
 * - etcd_leader_election_s ∈ [electionTimeout, 2 × electionTimeout + heartbeat]
 *   Followers campaign after a randomized timeout in [election, 2 × election]; one heartbeat for
 *   the vote round trip. A partitioned follower needs no election (0).
 */
import type { MeasurementName } from '../slo/types.ts';
import type { ExpectedWindow, HaTimings } from './types.ts';

export type WindowSpec = Omit<ExpectedWindow, 'outside'>;

export interface ExpectedOptions {
  /** leader-kill: the old holder released the lease on stop (graceful). */
  readonly gracefulRelease?: boolean;
}

function has<K extends keyof HaTimings>(
  t: HaTimings,
  ...keys: K[]
): t is HaTimings & Required<Pick<HaTimings, K>> {
  return keys.every((k) => typeof t[k] === 'number');
}

export function notReadyWindow(t: HaTimings): WindowSpec | undefined {
  if (!has(t, 'nodeMonitorGracePeriodS', 'nodeMonitorPeriodS', 'nodeLeaseRenewIntervalS')) return undefined;
  const g = t.nodeMonitorGracePeriodS;
  return {
    min: g,
    max: g + t.nodeMonitorPeriodS + t.nodeLeaseRenewIntervalS,
    formula: `[grace ${g}, grace ${g} + monitor period ${t.nodeMonitorPeriodS} + lease renew ${t.nodeLeaseRenewIntervalS}]`,
  };
}

export function evictionWindow(t: HaTimings): WindowSpec | undefined {
  const nr = notReadyWindow(t);
  if (!nr) return undefined;
  const tol = t.tolerationSeconds ?? 300;
  const period = t.nodeMonitorPeriodS ?? 0;
  return {
    min: nr.min + tol,
    max: nr.max + tol + period,
    formula: `NotReady ${nr.formula} + toleration ${tol} (+ monitor period ${period} for the taint)`,
  };
}

export function endpointRemovalWindow(t: HaTimings): WindowSpec | undefined {
  if (!has(t, 'masterLeaseTtlS', 'endpointReconcileIntervalS')) return undefined;
  return {
    min: 0,
    max: t.masterLeaseTtlS + t.endpointReconcileIntervalS,
    formula: `≤ master lease TTL ${t.masterLeaseTtlS} + reconcile interval ${t.endpointReconcileIntervalS}`,
  };
}

export function reelectionWindow(t: HaTimings, opts: ExpectedOptions = {}): WindowSpec | undefined {
  if (!has(t, 'leaseDurationS', 'retryPeriodS')) return undefined;
  const d = t.leaseDurationS;
  const r = t.retryPeriodS;
  if (opts.gracefulRelease) {
    return { min: 0, max: r * 1.2, formula: `released on stop: ≤ retry ${r} × 1.2` };
  }
  return {
    min: Math.max(0, d - r),
    max: d + r * 1.2,
    formula: `[lease ${d} − retry ${r}, lease ${d} + retry ${r} × 1.2]`,
  };
}

export function vrrpWindow(t: HaTimings): WindowSpec | undefined {
  if (!has(t, 'advertIntS', 'priority')) return undefined;
  const a = t.advertIntS;
  const skew = ((256 - t.priority) / 256) * a;
  const down = 3 * a + skew;
  return {
    min: down - a,
    max: down + a,
    formula: `3 × advert ${a} + skew ${skew.toFixed(3)} ((256 − ${t.priority})/256 × ${a}) ± advert ${a}`,
  };
}

export function lbFailoverWindow(t: HaTimings): WindowSpec | undefined {
  if (!has(t, 'checkInterMs', 'fall', 'checkTimeoutMs')) return undefined;
  return {
    min: 0,
    max: (t.checkInterMs * t.fall + t.checkTimeoutMs) / 1000,
    formula: `≤ inter ${t.checkInterMs} ms × fall ${t.fall} + timeout ${t.checkTimeoutMs} ms`,
  };
}

export function etcdElectionWindow(t: HaTimings): WindowSpec | undefined {
  if (!has(t, 'etcdElectionMs', 'etcdHeartbeatMs')) return undefined;
  const e = t.etcdElectionMs / 1000;
  const h = t.etcdHeartbeatMs / 1000;
  return {
    min: e,
    max: 2 * e + h,
    formula: `[election ${e}, 2 × election ${e} + heartbeat ${h}]`,
  };
}

/** The expected window for a measurement, when the timings allow one. */
export function expectedWindow(
  name: MeasurementName,
  t: HaTimings | undefined,
  opts: ExpectedOptions = {},
): WindowSpec | undefined {
  if (!t) return undefined;
  switch (name) {
    case 'node_notready_s':
      return notReadyWindow(t);
    case 'pod_eviction_s':
      return evictionWindow(t);
    case 'endpoint_removal_s':
      return endpointRemovalWindow(t);
    case 'lease_reelection_s':
      return reelectionWindow(t, opts);
    case 'vip_takeover_s':
      return vrrpWindow(t);
    case 'lb_failover_s':
      return lbFailoverWindow(t);
    case 'etcd_leader_election_s':
      return etcdElectionWindow(t);
    default:
      return undefined;
  }
}

export function withOutside(w: WindowSpec, value: number | null): ExpectedWindow {
  return { ...w, outside: value === null ? null : value < w.min - 1e-9 || value > w.max + 1e-9 };
}
