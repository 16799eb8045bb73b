/**
 * lb-stop: take the active API load balancer away — the host holding the VIP (or the only LB).
 * Variant `link` (default): the LB host's network link goes down (the host is gone); variant
 * `services`: haproxy and keepalived are stopped (SIGKILL by default, `--signal TERM` lets
 * keepalived hand the VIP over at once with a priority-0 advert). With a VRRP pair the backup
 * takes the VIP after Master_Down_Interval (3 × advert + skew); with a single LB there is no
 * standby: the analysis reports a single point of failure and the outage lasts until the heal.
 *
 * The heal waits for VRRP preemption to give the VIP back to the healed LB (src/faults/vip-settle.ts).
 * Measures vip_takeover_s, api_outage_s, lb_failover_s, rto_s and RPO.
 */

import { vrrpFailoverWindow, vrrpWindow } from '../src/analysis/expected.ts';
import { vipTakeover } from '../src/analysis/vip.ts';
import { linkDownFault, linkDownForS } from '../src/faults/network.ts';
import { servicesFault } from '../src/faults/services.ts';
import { withVipSettle } from '../src/faults/vip-settle.ts';
import { apiAvailabilityProbe } from '../src/probes/api.ts';
import { etcdProbe, vipProbe } from '../src/probes/etcd.ts';
import { writeProbe } from '../src/probes/writes.ts';
import { apiRecovered } from '../src/runner/recovery.ts';
import { faultSpanMs, type Scenario, type ScenarioOptions } from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import { LiveAimError, TargetError, UserError } from '../src/util/errors.ts';

const VARIANTS = ['link', 'services'] as const;

export function lbVariant(o: ScenarioOptions): (typeof VARIANTS)[number] {
  const v = o.variant ?? 'link';
  if (!(VARIANTS as readonly string[]).includes(v))
    throw new UserError(`lb-stop --variant must be one of ${VARIANTS.join(', ')} (got '${v}')`);
  return v as (typeof VARIANTS)[number];
}

export const lbStop: Scenario = {
  name: 'lb-stop',
  description:
    'stop the active API load balancer (--variant link|services); measure VIP takeover and API outage, or report a SPOF',
  defaultSlos: sloDefaults([
    ['vip_takeover_s', '<', 30],
    ['api_outage_s', '<', 30],
    ['rto_s', '<', 30],
    ['rpo_lost_writes', '<=', 0],
  ]),
  informational: ['lb_failover_s'],
  // The API comes back when the backup LB takes the VIP over: the failover follows VRRP's timers,
  // not haproxy's health checks (hard stop; `analysis` picks graceful for `services --signal TERM`).
  windows: { lb_failover_s: vrrpFailoverWindow },
  async fault(ctx) {
    const t = ctx.target.topology;
    if (t.lbs.length === 0) throw new UserError(`target ${t.name} has no load balancer to stop`);
    const variant = lbVariant(ctx.options);
    let host = ctx.options.host;
    if (host && !t.lbs.includes(host))
      throw new UserError(`--host ${host} is not a load balancer: choose one of ${t.lbs.join(', ')}`);
    // One LB (kind's, a single haproxy): there is no VIP to follow, the one LB is the aim.
    if (!host && t.lbs.length === 1 && !ctx.target.vipHolder) host = t.lbs[0];
    if (!host && t.planOnly)
      throw new LiveAimError(
        `--dry-run: the VIP holder is read from the running cluster, and the target was ${t.planOnly}: pass --host to plan the fault on one LB (${t.lbs.join(', ')})`,
      );
    const holder = t.planOnly
      ? null
      : ctx.target.vipHolder
        ? await ctx.target.vipHolder()
        : (t.lbs[0] ?? null);
    if (!host) {
      if (!holder || !t.lbs.includes(holder))
        throw new TargetError(`no single LB holds the VIP ${t.vip ?? ''} (holder: ${holder ?? 'none'})`);
      host = holder;
    }
    const ip = t.hosts.find((h) => h.name === host)?.address;
    const fault =
      variant === 'link'
        ? // Over ssh the host's own timer restores the link: keep it down for the whole observation.
          linkDownFault({
            host,
            ip,
            downForS: linkDownForS(faultSpanMs(lbStop, ctx)),
          })
        : servicesFault({
            host,
            // A VRRP pair: keepalived too (the backup takes the VIP over). One LB has no peer to
            // hand it to: its haproxy is what serves (kind's container, the lab's `--lbs 1`).
            components: t.lbs.length > 1 ? ['keepalived', 'haproxy'] : ['haproxy'],
            signal: ctx.options.signal ?? 'KILL',
          });
    // After the heal, VRRP preemption gives the VIP back to its pre-fault holder: wait for that
    // second move (up to two master-down intervals + 5 s) so it does not hit verify or the read-back.
    const advert = ctx.timings.advertIntS ?? 1;
    return withVipSettle(fault, { holder: holder ?? host, timeoutMs: 1000 * (2 * (4 * advert) + 5) });
  },
  probes: (ctx) => [
    apiAvailabilityProbe({ connection: 'new' }),
    apiAvailabilityProbe({ connection: 'keepalive' }),
    vipProbe(),
    etcdProbe(),
    writeProbe(ctx.runId),
  ],
  recovered(events, at, ctx) {
    // A single LB has no standby: nothing recovers before the heal; observe the outage only.
    if (ctx.target.topology.lbs.length === 1) return false;
    const moved = vipTakeover(events, at);
    return moved.value !== null && !moved.lowerBound && apiRecovered(events, at, ctx.sustained);
  },
  // The stopped LB's haproxy exporter stops answering (refused, or a timeout with the link down):
  // HAProxyDown for it. The other LB's backends stay up.
  alerts: () => ({
    expected: [{ alert: 'HAProxyDown', clearS: { min: 0, max: 30 } }],
    allowed: ['TargetDown'],
  }),
  // VRRP takeover ≤ 3 × advert + skew + advert; then 3 s of sustained success. Twice that + 10 s.
  // A single LB never recovers by itself: the same bound, then the heal (the analysis reports the
  // outage still running then as a lower bound, back only with the heal).
  observeMs: (t) => 2 * 1000 * (4 * (t.advertIntS ?? 1) + 3) + 10_000,
  // SIGTERM to keepalived sends priority 0: the backup takes over after Skew_Time alone.
  analysis(ctx) {
    const gracefulStop = lbVariant(ctx.options) === 'services' && ctx.options.signal === 'TERM';
    return {
      windows: {
        vip_takeover_s: (t) => vrrpWindow(t, { gracefulStop }),
        lb_failover_s: (t) => vrrpFailoverWindow(t, { gracefulStop }),
      },
    };
  },
};
