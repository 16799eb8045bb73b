/**
 * Expected windows, derived from the target's timing configuration. All in seconds, measured from
 * the fault. Each formula follows the timers of the component that reacts (sources in BRIEF §5);
 * where the brief's shorthand is tighter than what the timers allow, the timers win and the
 * difference is noted. Validated against lab runs on both presets.
 *
 * - node_notready_s ∈ [grace − leaseRenew, grace + 2 × monitorPeriod]
 *   The controller marks a node Unknown once now > last observed heartbeat + grace. The last node
 *   Lease renewal was up to one renew interval *before* the fault (so the mark can come before
 *   grace), the controller only observes heartbeats when it looks (every monitor period) and only
 *   decides when it looks again: up to two periods late.
 * - pod_eviction_s ∈ NotReady + tolerationSeconds, + one monitor period for the NoExecute taint.
 * - endpoint_removal_s ∈ [0, masterLeaseTtl + reconcileInterval]
 *   The dead apiserver's lease key expires after its TTL; a live apiserver's reconciler rewrites
 *   `default/kubernetes` on its next pass.
 * - lease_reelection_s: hard kill ∈ [leaseDuration − retry, leaseDuration + 2 × 2.2 × retry];
 *   graceful release ∈ [0, 2.2 × retry]. The holder renews every retry period, so its last renewal
 *   was up to one retry before the kill; candidates poll every retry × (1 + 1.2 × rand) (client-go
 *   JitterFactor 1.2), so they notice the last change up to 2.2 × retry late and try again up to
 *   2.2 × retry after the lease expired on their clock.
 * - vip_takeover_s ∈ [2 × advert + skew, 3 × advert + skew + advert], skew = (256 − priority)/256 × advert
 *   Master_Down_Interval = 3 × advert_int + skew (RFC 5798); the last advert was up to one
 *   interval before the fault; one more interval of slack for ARP and probe resolution.
 * - lb_failover_s ∈ [0, fall × (inter + timeout check)]: HAProxy marks a server down after `fall`
 *   failed checks; each check may take up to `timeout check` and the next starts `inter` later.
 *   A scenario whose failover is VRRP's passes `vrrpWindow` as its rule instead.
 * - etcd_leader_election_s ∈ [election, 4 × election + heartbeat] when the leader is cut, 0 when a
 *   follower is. An INPUT-only cut lets the old leader's heartbeats out until its check-quorum
 *   (every election timeout) makes it step down; followers then campaign after a randomized
 *   [election, 2 × election], and the vote takes a heartbeat round trip.
 * - apiserver_unready_s ∈ [0, 2 × election + 2 + 0.5]: the cut member stops serving linearizable
 *   reads once it has no leader (up to 2 × election for a cut leader to step down), the apiserver's
 *   etcd check times out after 2 s, and the harness probes /readyz every 0.5 s.
 * - rpo_lost_writes ∈ [0, 0]: HA loses no acknowledged write. A scenario that loses writes by
 *   design (a restore) replaces the rule; a snapshot on the timeline gives the exact count.
 *
 * A scenario module replaces the rule of a measurement through `AnalysisContext.windows`.
 */
import type { MeasurementName } from '../slo/types.ts';
import type { HaTimings } from '../targets/types.ts';
import type { ExpectedOptions, ExpectedWindow, WindowRule, WindowRules, WindowSpec } from './types.ts';

/**
 * tolerationSeconds the DefaultTolerationSeconds admission plugin adds for the not-ready and
 * unreachable NoExecute taints when a pod has none: 300 s (kubernetes
 * plugin/pkg/admission/defaulttolerationseconds/admission.go, `--default-not-ready-toleration-seconds`
 * and `--default-unreachable-toleration-seconds`). The drill workload's default too.
 */
export const DEFAULT_TOLERATION_SECONDS = 300;

function has<K extends keyof HaTimings>(
  t: HaTimings,
  ...keys: K[]
): t is HaTimings & Required<Pick<HaTimings, K>> {
  return keys.every((k) => typeof t[k] === 'number');
}

export function notReadyWindow(t: HaTimings): WindowSpec | undefined {
  if (!has(t, 'nodeMonitorGracePeriodS', 'nodeMonitorPeriodS', 'nodeLeaseRenewIntervalS')) return undefined;
  const g = t.nodeMonitorGracePeriodS;
  const p = t.nodeMonitorPeriodS;
  const r = t.nodeLeaseRenewIntervalS;
  return {
    min: Math.max(0, g - r),
    max: g + 2 * p,
    formula: `[grace ${g} − lease renew ${r}, grace ${g} + 2 × monitor period ${p}]`,
  };
}

export function evictionWindow(t: HaTimings): WindowSpec | undefined {
  const nr = notReadyWindow(t);
  if (!nr) return undefined;
  const tol = t.tolerationSeconds ?? DEFAULT_TOLERATION_SECONDS;
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
  const jittered = r * 2.2;
  if (opts.gracefulRelease) {
    return { min: 0, max: jittered, formula: `released on stop: ≤ retry ${r} × 2.2 (jitter 1.2)` };
  }
  return {
    min: Math.max(0, d - r),
    max: d + 2 * jittered,
    formula: `[lease ${d} − retry ${r}, lease ${d} + 2 × retry ${r} × 2.2 (jitter 1.2)]`,
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
    max: (t.fall * (t.checkInterMs + t.checkTimeoutMs)) / 1000,
    formula: `≤ fall ${t.fall} × (inter ${t.checkInterMs} ms + timeout ${t.checkTimeoutMs} ms)`,
  };
}

export function etcdElectionWindow(t: HaTimings, opts: ExpectedOptions = {}): WindowSpec | undefined {
  if (opts.cutFollower) return { min: 0, max: 0, formula: 'the cut member was a follower: no election' };
  if (!has(t, 'etcdElectionMs', 'etcdHeartbeatMs')) return undefined;
  const e = t.etcdElectionMs / 1000;
  const h = t.etcdHeartbeatMs / 1000;
  return {
    min: e,
    max: 4 * e + h,
    formula: `[election ${e}, 4 × election ${e} + heartbeat ${h}] (leader steps down, then followers campaign)`,
  };
}

export function apiserverUnreadyWindow(t: HaTimings): WindowSpec | undefined {
  if (!has(t, 'etcdElectionMs')) return undefined;
  const e = t.etcdElectionMs / 1000;
  return {
    min: 0,
    max: 2 * e + 2 + 0.5,
    formula: `≤ 2 × election ${e} + etcd check timeout 2 + probe interval 0.5`,
  };
}

/** No expected window: for a scenario where the default rule's mechanism does not apply. */
export const noWindow: WindowRule = () => undefined;

/** HA: no acknowledged write may be lost. */
export const noWriteLostWindow: WindowRule = () => ({
  min: 0,
  max: 0,
  formula: 'HA: no acknowledged write lost',
});

/** The default rule of each measurement that has an expected window. */
export const DEFAULT_WINDOWS: WindowRules = {
  node_notready_s: notReadyWindow,
  pod_eviction_s: evictionWindow,
  endpoint_removal_s: endpointRemovalWindow,
  lease_reelection_s: reelectionWindow,
  vip_takeover_s: vrrpWindow,
  lb_failover_s: lbFailoverWindow,
  etcd_leader_election_s: etcdElectionWindow,
  apiserver_unready_s: apiserverUnreadyWindow,
  rpo_lost_writes: noWriteLostWindow,
};

/**
 * The expected window for a measurement: the scenario's rule when it has one, else the default
 * rule; none when the timings lack an input the rule needs.
 */
export function expectedWindow(
  name: MeasurementName,
  t: HaTimings | undefined,
  opts: ExpectedOptions = {},
  rules: WindowRules = {},
): WindowSpec | undefined {
  const rule = rules[name] ?? DEFAULT_WINDOWS[name];
  return rule?.(t ?? {}, opts);
}

export function withOutside(w: WindowSpec, value: number | null): ExpectedWindow {
  return { ...w, outside: value === null ? null : value < w.min - 1e-9 || value > w.max + 1e-9 };
}
