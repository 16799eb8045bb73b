/**
 * The delay line of one direction: arrival + delay; jitter uniform within ± jitter of the delay
 * (netem's default distribution) drawn from the injected random; never released before arrival
 * nor before the previous chunk (a byte stream cannot be reordered); bad input named.
 */
import t from 'tap';
import { DelayLine } from '../../../src/lab/delay-proxy/delay-line.ts';

/** A random that returns `values` in turn, then fails the test if asked for more. */
const sequence = (values: readonly number[]) => {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('random() called more often than the test expected');
    return values[i++]!;
  };
};

t.test('a fixed delay, no jitter: arrival + delay, and no random number drawn', async (t) => {
  const line = new DelayLine({ delayMs: 60, jitterMs: 0, random: sequence([]) });
  t.equal(line.releaseAt(1000), 1060);
  t.equal(line.releaseAt(1005), 1065);
  t.equal(line.releaseAt(2000.5), 2060.5);
  t.notOk(line.isZero);
  t.ok(new DelayLine({ delayMs: 0, jitterMs: 0 }).isZero);
});

t.test('no delay and no jitter: released on arrival', async (t) => {
  const line = new DelayLine({ delayMs: 0, jitterMs: 0 });
  t.equal(line.releaseAt(5), 5);
  t.equal(line.releaseAt(5), 5);
  t.equal(line.releaseAt(7), 7);
});

t.test('jitter is uniform in [delay - jitter, delay + jitter): the ends and the middle', async (t) => {
  // Arrivals far apart, so ordering never holds a chunk back.
  const line = new DelayLine({ delayMs: 100, jitterMs: 20, random: sequence([0, 0.5, 0.75, 0.999999]) });
  t.equal(line.releaseAt(0), 80, 'random 0: delay - jitter');
  t.equal(line.releaseAt(1000), 1100, 'random 0.5: the delay');
  t.equal(line.releaseAt(2000), 2110, 'random 0.75: delay + jitter/2');
  const top = line.releaseAt(3000) - 3000;
  t.ok(top < 120 && top > 119.99, `random → 1: just under delay + jitter (${top})`);
});

t.test('jitter stays within its bounds for any random draw', async (t) => {
  let seed = 42;
  // A small deterministic LCG: the same draws on every run.
  const lcg = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const line = new DelayLine({ delayMs: 50, jitterMs: 10, random: lcg });
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < 2000; i++) {
    const arrival = i * 1000; // 1 s apart: no chunk waits for the one before
    const d = line.releaseAt(arrival) - arrival;
    low = Math.min(low, d);
    high = Math.max(high, d);
  }
  t.ok(low >= 40, `never below delay - jitter (${low})`);
  t.ok(high < 60, `never at or above delay + jitter (${high})`);
  t.ok(low < 41 && high > 59, `the whole range is used (${low}..${high})`);
});

t.test('a chunk is never released before the one that arrived before it', async (t) => {
  // Chunk 1 draws the top of the range, chunk 2 the bottom: netem would reorder these packets.
  const line = new DelayLine({ delayMs: 50, jitterMs: 40, random: sequence([0.9375, 0, 0.5, 0]) });
  const a = line.releaseAt(0); // 50 + 35
  const b = line.releaseAt(1); // would be 1 + 10 = 11
  t.equal(a, 85);
  t.equal(b, a, 'held back to the previous release');
  const c = line.releaseAt(200); // 200 + 50, later than b: its own time
  t.equal(c, 250);
  const d = line.releaseAt(201); // would be 211
  t.equal(d, 250, 'held back again');

  // Any sequence of arrivals and draws: release times never decrease and never precede arrival.
  let seed = 7;
  const lcg = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const line2 = new DelayLine({ delayMs: 5, jitterMs: 30, random: lcg });
  let prev = Number.NEGATIVE_INFINITY;
  let ok = true;
  for (let i = 0; i < 5000; i++) {
    const arrival = i * 0.7;
    const at = line2.releaseAt(arrival);
    if (at < prev || at < arrival) ok = false;
    prev = at;
  }
  t.ok(ok, 'monotonic and never before arrival over 5000 chunks');
});

t.test('jitter larger than the delay clamps at the arrival, never before it', async (t) => {
  const line = new DelayLine({ delayMs: 10, jitterMs: 30, random: sequence([0, 0.25, 0.5]) });
  t.equal(line.releaseAt(100), 100, '10 - 30 → clamped to 0 extra');
  t.equal(line.releaseAt(200), 200, '10 - 15 → clamped to 0 extra');
  t.equal(line.releaseAt(300), 310, '10 + 0');
  const jitterOnly = new DelayLine({ delayMs: 0, jitterMs: 10, random: sequence([0, 1 - 2 ** -20]) });
  t.equal(jitterOnly.releaseAt(50), 50);
  t.ok(jitterOnly.releaseAt(60) < 70);
});

t.test('bad input is refused with the bad value named', async (t) => {
  t.throws(() => new DelayLine({ delayMs: -1, jitterMs: 0 }), /delayMs must be .*≥ 0, got -1/);
  t.throws(() => new DelayLine({ delayMs: Number.NaN, jitterMs: 0 }), /delayMs .* got NaN/);
  t.throws(
    () => new DelayLine({ delayMs: Number.POSITIVE_INFINITY, jitterMs: 0 }),
    /delayMs .* got Infinity/,
  );
  t.throws(() => new DelayLine({ delayMs: 5, jitterMs: -2 }), /jitterMs must be .*≥ 0, got -2/);
  t.throws(() => new DelayLine({ delayMs: '5' as unknown as number, jitterMs: 0 }), /delayMs .* got 5/);
  t.throws(
    () => new DelayLine({ delayMs: 5, jitterMs: 0, random: 3 as unknown as () => number }),
    /random must be a function, got number/,
  );
  const line = new DelayLine({ delayMs: 5, jitterMs: 0 });
  t.throws(() => line.releaseAt(Number.NaN), /arrivalMs must be a finite number .* got NaN/);
  t.throws(() => line.releaseAt(Number.NEGATIVE_INFINITY), /arrivalMs .* got -Infinity/);
  for (const bad of [1, -0.1, Number.NaN, 2]) {
    const l = new DelayLine({ delayMs: 5, jitterMs: 1, random: () => bad });
    t.throws(
      () => l.releaseAt(0),
      new RegExp(`random\\(\\) must return a number in \\[0, 1\\), returned ${bad}`),
    );
  }
});
