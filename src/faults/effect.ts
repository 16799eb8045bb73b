/**
 * When a fault took effect on its host, on the run's clock, without trusting the host's clock:
 * the effect happened while the command that caused it ran, so it lies within that command's
 * round trip (sent → answered on this machine's clock). A fault reports the midpoint, off by at
 * most half the round trip, and the round trip in `how`, so a report shows how well the moment
 * is known; a command without a run clock gives no effect time (measured from the invoke).
 *
 * What the effect is, per command:
 * - A partition: the DROP rules in force, inserted by the last lines of the partition script
 *   (src/targets/partition.ts), so within the script's round trip.
 * - A stop: the signal, not the exit. The kubeadm profile's `kill` of a static pod, `systemctl
 *   kill` and `docker kill` (kind's LB: the kill, not the container's exit after it) send it and
 *   return. A graceful `systemctl stop` returns only when the unit is inactive (systemctl waits for
 *   the stop job unless `--no-block`), as the lab supervisor's TERM stop does; but the service
 *   stops serving at the SIGTERM, which systemd sends at once when the unit has no `ExecStop=`
 *   (src/core/service.c `service_enter_stop` → `service_enter_signal(…, SERVICE_STOP_SIGTERM, …)`;
 *   haproxy's admin/systemd/haproxy.service.in and keepalived's keepalived/keepalived.service.in
 *   have none). haproxy quits at once on SIGTERM, closing every connection (doc/management.txt
 *   §4: the hard stop; SIGUSR1 is the soft one), and keepalived's first shutdown step sends a
 *   priority-0 advert and drops its VIPs (keepalived/vrrp/vrrp_daemon.c `vrrp_terminate_phase1` →
 *   vrrp.c `restore_vrrp_interfaces` → `vrrp_restore_interface`). So the signal lies within the
 *   stop's round trip too, in its first part when the stop waits for the exit: the midpoint is
 *   then late by at most half the round trip, which holds that (short) shutdown.
 */
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
 * The effect within a command's round trip, at its midpoint, to spread into an inject outcome;
 * nothing without a round trip (no run clock: the measurements start at the invoke).
 */
export function effectWithin(trip: RoundTrip | undefined, what: string): { readonly effectAt?: EffectAt } {
  if (!trip) return {};
  const rt = Math.round(trip.answeredMs - trip.sentMs);
  return {
    effectAt: { atMs: (trip.sentMs + trip.answeredMs) / 2, how: `${what}, ${rt} ms round trip (midpoint)` },
  };
}
