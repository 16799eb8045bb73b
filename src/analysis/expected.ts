/**
 * Expected windows: the default rule of each measurement. The rules and their formulas, each with
 * its upstream source, live in src/analysis/windows/ (node.ts, lb.ts, control-plane.ts); their
 * inputs are the target's timings, configured or upstream defaults (src/targets/defaults.ts).
 * All in seconds, measured from the fault. A scenario module replaces the rule of a measurement
 * through `AnalysisContext.windows` (e.g. lb-stop: VRRP instead of the LB's health checks; a
 * graceful or hard stop through `ExpectedOptions.gracefulStop`).
 *
 * - rpo_lost_writes ∈ [0, 0]: HA loses no acknowledged write. A scenario that loses writes by
 *   design (a restore) replaces the rule; a snapshot on the timeline gives the exact count.
 */
import type { MeasurementName } from '../slo/types.ts';
import type { TimingInputs } from '../targets/defaults.ts';
import type { ExpectedOptions, ExpectedWindow, WindowRule, WindowRules, WindowSpec } from './types.ts';
import {
  apiserverUnreadyWindow,
  endpointRemovalWindow,
  etcdElectionWindow,
  reelectionWindow,
} from './windows/control-plane.ts';
import { lbFailoverWindow, vrrpWindow } from './windows/lb.ts';
import { evictionWindow, notReadyWindow } from './windows/node.ts';

export {
  apiserverUnreadyWindow,
  endpointRemovalWindow,
  etcdElectionWindow,
  reelectionWindow,
} from './windows/control-plane.ts';
export { lbFailoverWindow, skewTime, vrrpFailoverWindow, vrrpWindow } from './windows/lb.ts';
export { DEFAULT_TOLERATION_SECONDS, evictionWindow, notReadyWindow } from './windows/node.ts';

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
  t: TimingInputs | undefined,
  opts: ExpectedOptions = {},
  rules: WindowRules = {},
): WindowSpec | undefined {
  const rule = rules[name] ?? DEFAULT_WINDOWS[name];
  return rule?.(t ?? {}, opts);
}

export function withOutside(w: WindowSpec, value: number | null): ExpectedWindow {
  return { ...w, outside: value === null ? null : value < w.min - 1e-9 || value > w.max + 1e-9 };
}
