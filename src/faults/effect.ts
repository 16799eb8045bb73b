/**
 * When a fault took effect on its host, on the run's clock, without trusting the host's clock:
 * the effect happened while the command that caused it ran, so it lies within that command's
 * round trip (sent → answered on this machine's clock). When the command says how long it ran on
 * its host before and after the effect (src/targets/host-timing.ts: durations, no clock offset),
 * those come off both ends. A fault reports the midpoint of what is left, with the round trip in
 * `how`, so a report shows how well the moment is known; a command without a run clock gives no
 * effect time (measured from the invoke).
 *
 * What the effect is, per command:
 * - A partition: the DROP rules in force, inserted by the last lines of the partition script
 *   (src/targets/partition.ts), so within the script's round trip.
 * - A stop: the signal, not the exit. The kubeadm profile's `kill` of a static pod, `systemctl
 *   kill` and `docker kill` (kind's LB: the kill, not the container's exit after it) send it and
 *   return. A graceful `systemctl stop` returns only when the unit is inactive (systemctl waits
 *   for the stop job unless `--no-block`), as the lab supervisor's TERM stop does; but the service
 *   stops serving at the SIGTERM, which systemd sends as the stop job begins when the unit has no
 *   `ExecStop=` (src/core/service.c `service_enter_stop` → `service_enter_signal(…,
 *   SERVICE_STOP_SIGTERM, …)`; haproxy's admin/systemd/haproxy.service.in and keepalived's
 *   keepalived/keepalived.service.in have none). haproxy quits at once on SIGTERM, closing every
 *   connection (doc/management.txt §4: the hard stop; SIGUSR1 is the soft one), and keepalived's
 *   first shutdown step sends a priority-0 advert and drops its VIPs
 *   (keepalived/vrrp/vrrp_daemon.c `vrrp_terminate_phase1` → vrrp.c `restore_vrrp_interfaces` →
 *   `vrrp_restore_interface`). So such a stop prints how long it waited after the signal (the
 *   kubeadm profile, from systemd's timestamps; the lab CLI, which also prints its own start-up
 *   before the signal), and the effect is placed before that wait.
 */
import { hostTimingOf } from '../targets/host-timing.ts';
import type { InjectOutcome } from './types.ts';

export type EffectAt = NonNullable<Extract<InjectOutcome, { effect: true }>['effectAt']>;

/** A command's round trip on the run's clock: read just before it was sent and after its answer. */
export interface RoundTrip {
  readonly sentMs: number;
  readonly answeredMs: number;
}

/** Runs `run`, with its round trip when there is a run clock (none: the effect stays unknown). */
export async function timed<T>(
  nowMs: (() => number) | undefined,
  run: () => Promise<T>,
): Promise<{ readonly result: T; readonly trip?: RoundTrip }> {
  const sentMs = nowMs?.();
  const result = await run();
  const answeredMs = nowMs?.();
  return sentMs === undefined || answeredMs === undefined
    ? { result }
    : { result, trip: { sentMs, answeredMs } };
}

/**
 * The effect within a command's round trip, to spread into an inject outcome; nothing without a
 * round trip (no run clock: the measurements start at the invoke). When the command said how long
 * it ran on its host before and after the effect (`stdout`'s host-timing line: durations on one
 * clock, so no offset between the clocks matters), the effect lies in what is left of the round
 * trip once those are taken off both ends; else anywhere in it. The midpoint of that interval.
 */
export function effectWithin(
  trip: RoundTrip | undefined,
  what: string,
  stdout = '',
): { readonly effectAt?: EffectAt } {
  if (!trip) return {};
  const rt = trip.answeredMs - trip.sentMs;
  const { leadMs = 0, tailMs = 0 } = hostTimingOf(stdout);
  // A host that claims more than the round trip is not believed.
  const narrowed = (leadMs > 0 || tailMs > 0) && leadMs + tailMs <= rt;
  const from = trip.sentMs + (narrowed ? leadMs : 0);
  const to = trip.answeredMs - (narrowed ? tailMs : 0);
  const how = narrowed
    ? `${what}, ${leadMs} ms after sending the command and ${tailMs} ms before its answer as its host measured, ${Math.round(rt)} ms round trip (midpoint of the ${Math.round(to - from)} ms left)`
    : `${what}, ${Math.round(rt)} ms round trip (midpoint)`;
  return { effectAt: { atMs: (from + to) / 2, how } };
}
