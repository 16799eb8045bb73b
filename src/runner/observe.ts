/**
 * The runner's waits around the heal, as small loops over closures (the run's timeline, clock and
 * abort): observing the fault until the scenario's recovery (and, with `--hold-until-detected`,
 * every expected alert's detection) or the deadline; and after the heal, until the expected
 * alerts that fired have resolved, then until the API through the LB is steady again (bounded),
 * so nothing the heal set off is cut off by the end of the run.
 */
import { sleep } from '../util/time.ts';

const POLL_MS = 200;
/**
 * The end of a run polls the API's steadiness more often: it waits only for the probes' next
 * answers (one request every 100 ms per connection kind), and every poll of 200 ms lost up to
 * 200 ms per run (measured on `all`: 0.3 s from verify to analysis when nothing was left to wait for).
 */
const SETTLE_POLL_MS = 50;
/** How long the end of a run waits at most for the API to be steady again. */
export const STEADY_END_MAX_MS = 30_000;

export type ObserveEnd = 'recovered' | 'aborted' | 'deadline' | `deadline while holding for ${string}`;

export async function observeFault(o: {
  readonly untilMs: number;
  readonly recovered: () => boolean;
  /** Expected alerts still to wait for (none without a hold). */
  readonly undetected: () => readonly string[];
  readonly aborted: () => boolean;
}): Promise<ObserveEnd> {
  let waiting: readonly string[] = [];
  while (!o.aborted() && performance.now() < o.untilMs) {
    if (o.recovered()) {
      waiting = o.undetected();
      if (waiting.length === 0) return 'recovered';
    }
    await sleep(POLL_MS);
  }
  if (o.aborted()) return 'aborted';
  return waiting.length > 0 ? `deadline while holding for ${waiting.join(', ')}` : 'deadline';
}

export async function settleAfterHeal(o: {
  /** Expected alerts that fired and have not resolved yet, within their resolve window. */
  readonly unresolved: () => readonly string[];
  readonly apiSteady: () => boolean;
  readonly aborted: () => boolean;
  readonly signal?: AbortSignal;
}): Promise<void> {
  while (!o.aborted() && o.unresolved().length > 0) await sleep(POLL_MS, o.signal);
  const until = performance.now() + STEADY_END_MAX_MS;
  while (!o.aborted() && performance.now() < until && !o.apiSteady()) await sleep(SETTLE_POLL_MS, o.signal);
}
