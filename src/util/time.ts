/** Small time helpers: sleeping, deadlines and Go-style duration parsing. */
import {
  DurationError,
  formatDuration,
  MAX_TIMER_MS,
  parseDuration as parseGoDuration,
} from '../kube/runtime/duration.ts';
import { sleep } from '../kube/runtime/loop.ts';
import { UserError } from './errors.ts';

/** The project's one abortable sleep (src/kube/runtime/loop.ts): `ms`, or until `signal` aborts. */
export { sleep };

/**
 * Polls `probe` every `intervalMs` until it returns a non-undefined value or `timeoutMs` passes.
 * Returns the value, or throws an Error built by `onTimeout` with the last probe error.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${why}`);
    }
    await sleep(opts.intervalMs ?? 200);
  }
}

/**
 * A duration option of the harness (`--deadline 20m`) in milliseconds, in the project's one grammar
 * (Go's time.ParseDuration, src/kube/runtime/duration.ts): a bare number is rejected with a hint to
 * add a unit, a negative one too, and so is one shorter than `minMs` (default 0) or longer than
 * `maxMs` (default: the longest a timer can wait, 2^31-1 ms; a longer one would fire at once).
 * A bad value is a UserError naming the option and the range.
 */
export function parseDuration(text: string, flag = 'duration', maxMs = MAX_TIMER_MS, minMs = 0): number {
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch (err) {
    if (err instanceof DurationError) throw new UserError(`${flag}: ${err.message}`);
    throw err;
  }
  if (ms < 0) throw new UserError(`${flag}: '${text}' is negative; write a positive duration such as 20m`);
  if (ms > maxMs)
    throw new UserError(`${flag}: '${text}' is longer than the ${formatDuration(maxMs)} allowed`);
  if (ms < minMs)
    throw new UserError(
      `${flag}: '${text}' is shorter than the ${formatDuration(minMs)} allowed; write at least ${formatDuration(minMs)}`,
    );
  return ms;
}
