/**
 * API load-balancer windows: the LB's health checks dropping a bad apiserver (haproxy, Envoy) and
 * VRRP moving the VIP (keepalived).
 *
 * - lb_failover_s ∈ [0, inter + (fall − 1) × fastinter + fall × check], measured from the first
 *   failed request through the LB (src/analysis/availability.ts), so it can be 0.
 *   haproxy (src/check.c `process_chk_conn`): the next check is scheduled `srv_getinter()` after
 *   the previous one *completes* (`t->expire = tick_add(now_ms, srv_getinter(check) + rv)`);
 *   `srv_getinter` (src/server.c) returns `inter` while the server is fully up and `fastinter`
 *   (unset = inter) while it is transitioning. A check lasts at most min(timeout connect, inter)
 *   to connect plus `timeout check` after it connected (src/tcpcheck.c `tcpcheck_eval_connect`;
 *   only `inter` when `timeout check` is unset). Worst case: a check passes just at the fault,
 *   the next starts `inter` later and hangs, then fall − 1 more, `fastinter` apart.
 *   Envoy (source/extensions/health_checkers/common/health_checker_base_impl.cc): the interval
 *   timer is armed when a check ends (`handleSuccess`/`handleFailure`), the timeout covers the
 *   whole check (`onIntervalBase`), a failing-but-still-healthy host is checked again after
 *   `unhealthy_edge_interval` (default `unhealthy_interval`, default `interval`); `interval` (not
 *   `no_traffic_interval`) applies once the cluster has seen traffic, which the API endpoint always
 *   has during a drill; a non-network (HTTP status) failure ejects at once, within the bound.
 * - vip_takeover_s (keepalived keepalived/vrrp/vrrp.c, keepalived/include/vrrp.h):
 *   skew = (256 − p)/256 s for VRRPv2 (keepalived's default, RFC 3768 §6.1: not scaled by
 *   advert_int), (256 − p)/256 × advert for v3 (RFC 5798), p = the backup's effective priority
 *   (track-script weights: src/targets/kubeadm-profile-timings.ts `effectivePriority`).
 *   Hard stop (KILL, link down): the backup's Master_Down_Timer (3 × advert + skew,
 *   `VRRP_MS_DOWN_TIMER`) runs from the last advert it received, sent up to one advert before the
 *   fault: [2 × advert + skew, 3 × advert + skew], + one advert of slack for the VIP probe.
 *   Graceful stop (TERM): the master sends priority 0 on shutdown (`vrrp_restore_interface`,
 *   VRRP_PRIO_STOP) and the backup sets its timer to skew alone (RFC 3768 §6.4.2):
 *   [skew, skew + advert].
 *   lb_failover_s when the LB fails over by VRRP: [0, vip_takeover max], since it is measured from
 *   the first failed request, which can come as late as the takeover (a `services` stop kills
 *   haproxy after keepalived; a request in flight at the fault times out before it is counted).
 */
import type { TimingInputs } from '../../targets/defaults.ts';
import type { ExpectedOptions, WindowSpec } from '../types.ts';
import { has, s3 } from './common.ts';

/** One health check's longest duration, ms, and how it is made up. */
function checkMs(t: TimingInputs & { checkInterMs: number }): { ms: number; text: string } {
  if (t.lbChecker === 'envoy') {
    return t.checkTimeoutMs === undefined
      ? { ms: t.checkInterMs, text: `interval ${t.checkInterMs}` }
      : { ms: t.checkTimeoutMs, text: `timeout ${t.checkTimeoutMs}` };
  }
  if (t.checkTimeoutMs === undefined) return { ms: t.checkInterMs, text: `inter ${t.checkInterMs}` };
  const connect = Math.min(t.checkConnectTimeoutMs ?? t.checkInterMs, t.checkInterMs);
  const what = t.checkConnectTimeoutMs === undefined ? 'inter' : 'min(timeout connect, inter)';
  return { ms: connect + t.checkTimeoutMs, text: `(${what} ${connect} + timeout check ${t.checkTimeoutMs})` };
}

export function lbFailoverWindow(t: TimingInputs): WindowSpec | undefined {
  if (!has(t, 'checkInterMs', 'fall')) return undefined;
  const inter = t.checkInterMs;
  const fast = t.checkFastinterMs ?? inter;
  const check = checkMs(t);
  const max = (inter + (t.fall - 1) * fast + t.fall * check.ms) / 1000;
  const checker = t.lbChecker === 'envoy' ? 'Envoy' : 'haproxy';
  return {
    min: 0,
    max,
    formula: `${checker}: ≤ inter ${inter} + (fall ${t.fall} − 1) × fastinter ${fast} + fall ${t.fall} × ${check.text} ms`,
  };
}

/** VRRP Skew_Time, seconds: v2 (default) does not scale with advert_int, v3 does. */
export function skewTime(t: TimingInputs & { advertIntS: number; priority: number }): number {
  const base = (256 - t.priority) / 256;
  return t.vrrpVersion === 3 ? base * t.advertIntS : base;
}

export function vrrpWindow(t: TimingInputs, opts: ExpectedOptions = {}): WindowSpec | undefined {
  if (!has(t, 'advertIntS', 'priority')) return undefined;
  const a = t.advertIntS;
  const skew = skewTime(t);
  const v = t.vrrpVersion ?? 2;
  const skewText = `skew ${s3(skew)} ((256 − ${t.priority})/256${v === 3 ? ` × ${a}` : ''}, VRRPv${v})`;
  if (opts.gracefulStop) {
    return {
      min: skew,
      max: skew + a,
      formula: `priority 0 on stop: ${skewText}, + advert ${a} slack`,
    };
  }
  return {
    min: 2 * a + skew,
    max: 3 * a + skew + a,
    formula: `[2 × advert ${a} + ${skewText}, 3 × advert ${a} + skew + advert ${a} slack]`,
  };
}

/** lb_failover_s when the VIP moves: from the first failed request to the takeover. */
export function vrrpFailoverWindow(t: TimingInputs, opts: ExpectedOptions = {}): WindowSpec | undefined {
  const w = vrrpWindow(t, opts);
  return w && { min: 0, max: w.max, formula: `≤ VIP takeover: ${w.formula}` };
}
