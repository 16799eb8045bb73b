/**
 * One direction of one proxied TCP connection as a delay line: when may a chunk that arrived at
 * `arrivalMs` be delivered. Pure (no clock, no I/O): the caller passes the arrival time and gets the
 * release time back.
 *
 * The model is `tc qdisc ... netem delay <delayMs> <jitterMs>` without a distribution table: each
 * chunk gets `delayMs` plus a uniformly distributed offset in [-jitterMs, +jitterMs]. That is
 * netem's default: linux net/sched/sch_netem.c, `tabledist()`, "default uniform distribution":
 * `if (dist == NULL) return (rnd % (2*sigma)) - sigma + mu;` with mu = latency, sigma = jitter
 * (read in torvalds/linux at commits 020abf03cd65 and e5451c8f8330; newer kernels keep the branch
 * as `((rnd % (2 * (u32)sigma)) + mu) - sigma`, seen in copies of the file whose commit could not
 * be pinned to torvalds/linux here). A table (`distribution normal|pareto|...`) is not modelled.
 *
 * Two departures from netem, both because this sits on a byte stream, not on packets:
 *  - Order: netem sorts delayed packets by their send time (tfifo_enqueue: an rbtree keyed on
 *    time_to_send), so jitter reorders packets and the receiving TCP puts the bytes back in order.
 *    A proxy hands bytes to a socket: a chunk released before an earlier one would corrupt the
 *    stream. So a chunk is never released before the previous chunk of the same direction (it
 *    waits for it, as TCP's in-order delivery would make the application wait).
 *  - A negative total (jitter larger than the delay) releases the chunk on arrival, not earlier.
 */

/** A source of uniform numbers in [0, 1), as Math.random. */
export type Random = () => number;

export interface DelayLineOptions {
  /** The fixed delay of every chunk, in milliseconds (≥ 0). */
  readonly delayMs: number;
  /** The uniform jitter around the delay: ± this many milliseconds (≥ 0; may exceed delayMs). */
  readonly jitterMs: number;
  /** Uniform in [0, 1); Math.random unless a test injects one. */
  readonly random?: Random;
}

/** Throws unless `value` is a finite number ≥ 0, naming `what` and the bad value. */
export function checkMs(what: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${what} must be a finite number of milliseconds ≥ 0, got ${String(value)}`);
  }
}

export class DelayLine {
  readonly delayMs: number;
  readonly jitterMs: number;
  private readonly random: Random;
  /** The release time of the previous chunk: the next one is never released before it. */
  private lastReleaseMs = Number.NEGATIVE_INFINITY;

  constructor({ delayMs, jitterMs, random = Math.random }: DelayLineOptions) {
    checkMs('delayMs', delayMs);
    checkMs('jitterMs', jitterMs);
    if (typeof random !== 'function') throw new Error(`random must be a function, got ${typeof random}`);
    this.delayMs = delayMs;
    this.jitterMs = jitterMs;
    this.random = random;
  }

  /** True when this line adds nothing: every chunk is released on arrival. */
  get isZero(): boolean {
    return this.delayMs === 0 && this.jitterMs === 0;
  }

  /**
   * When a chunk that arrived at `arrivalMs` may be delivered: arrival + delay + U(-jitter, +jitter),
   * at the earliest on arrival and at the earliest when the previous chunk is released.
   */
  releaseAt(arrivalMs: number): number {
    if (typeof arrivalMs !== 'number' || !Number.isFinite(arrivalMs)) {
      throw new Error(`arrivalMs must be a finite number of milliseconds, got ${String(arrivalMs)}`);
    }
    // As netem: no random number drawn when there is no jitter (tabledist: `if (sigma == 0) return mu`).
    let offset = 0;
    if (this.jitterMs > 0) {
      const r = this.random();
      if (typeof r !== 'number' || !(r >= 0 && r < 1)) {
        throw new Error(`random() must return a number in [0, 1), returned ${String(r)}`);
      }
      offset = (2 * r - 1) * this.jitterMs;
    }
    const at = Math.max(arrivalMs + Math.max(0, this.delayMs + offset), this.lastReleaseMs);
    this.lastReleaseMs = at;
    return at;
  }
}
