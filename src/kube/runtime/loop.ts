/**
 * The one controller loop and the one abortable sleep of the emulated components.
 *
 * `until` is `wait.Until` (k8s.io/apimachinery/pkg/util/wait/backoff.go, JitterUntil with sliding
 * true and no jitter): run, then wait the period counted from the end of the run, until the signal
 * aborts. A failed run does not end the loop (upstream logs it through utilruntime.HandleError);
 * with `retryMs` a failure is retried sooner, doubling up to the period, as the kubelet's lease
 * controller does (k8s.io/component-helpers/apimachinery/lease/controller.go).
 */
import { errText } from './errors.ts';
import type { Logger } from './log.ts';

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Next backoff: doubles up to the cap. */
export const nextBackoff = (cur: number, min: number, max: number): number =>
  Math.min(max, Math.max(min, cur * 2));

/** Logs the first failure of a loop, every 20th after it, one with another error, and its recovery; not every retry. */
export function failureTracker(log: Logger, what: string) {
  let failing = 0;
  let last = '';
  return {
    fail(e: unknown) {
      failing++;
      const error = errText(e);
      // The first failure, every 20th, and one that fails otherwise than the one before.
      if (failing === 1 || failing % 20 === 0 || error !== last)
        log(`${what} failed`, { error, attempt: failing });
      last = error;
    },
    ok() {
      if (failing > 0) log(`${what} succeeded again`, { after: failing });
      failing = 0;
      last = '';
    },
  };
}

export interface UntilOptions {
  readonly periodMs: number;
  readonly signal: AbortSignal;
  /** Names the loop in the log: `<what> failed`, `<what> succeeded again`. */
  readonly what: string;
  readonly log: Logger;
  /** After a failure wait this long instead of the period, doubling up to the period. */
  readonly retryMs?: number;
}

/** Runs `fn` now and then `periodMs` after each run ends, until `signal` aborts; resolves after the last run. */
export async function until(o: UntilOptions, fn: () => Promise<void>): Promise<void> {
  const track = failureTracker(o.log, o.what);
  let retry = o.retryMs ?? o.periodMs;
  while (!o.signal.aborted) {
    let wait = o.periodMs;
    try {
      await fn();
      track.ok();
      retry = o.retryMs ?? o.periodMs;
    } catch (e) {
      if (o.signal.aborted) break;
      track.fail(e);
      wait = Math.min(retry, o.periodMs);
      retry = nextBackoff(retry, retry, o.periodMs);
    }
    await sleep(wait, o.signal);
  }
}

/** Starts `until` in the background; the returned function aborts it and waits for the run in progress. */
export function startUntil(o: Omit<UntilOptions, 'signal'>, fn: () => Promise<void>): () => Promise<void> {
  const ac = new AbortController();
  const done = until({ ...o, signal: ac.signal }, fn);
  return async () => {
    ac.abort();
    await done;
  };
}
