/**
 * Expected windows, one file per reacting component: node lifecycle (node.ts), the API load
 * balancer and VRRP (lb.ts), the control plane's leases, endpoints and etcd (control-plane.ts).
 * Each rule takes the target's timing inputs (src/targets/defaults.ts `TimingInputs`: configured or
 * an upstream default, never silently missing on a target that reads its hosts) and returns
 * [min, max] in seconds from the fault, with the formula filled in; the upstream source of each
 * formula is cited next to it. src/analysis/expected.ts holds the default rule of each measurement.
 */
import type { TimingInputs } from '../../targets/defaults.ts';

export function has<K extends keyof TimingInputs>(
  t: TimingInputs,
  ...keys: K[]
): t is TimingInputs & Required<Pick<TimingInputs, K>> {
  return keys.every((k) => typeof t[k] === 'number');
}

/** Seconds, rounded to the millisecond for formulas. */
export const s3 = (v: number): string => String(Math.round(v * 1000) / 1000);
