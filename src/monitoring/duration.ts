/**
 * Prometheus' duration format (`model.Duration`: rule `for`/`keep_firing_for`, group `interval`,
 * the config's `scrape_interval`, ...): github.com/prometheus/common model/time.go ParseDuration
 * and Duration.String(), as in v0.39.0, the version Prometheus 2.42 is built with (its grammar is
 * unchanged in later versions).
 *
 * A format of its own, not Go's time.ParseDuration (src/kube/runtime/duration.ts, the project's
 * Go-duration parser): whole numbers only (`1.5h` is valid Go, invalid here), units y w d h m s ms
 * (`1d`, `2w`, `1y` = 365d are valid here, invalid in Go; no ns/us), each unit at most once and
 * in that order, biggest first (`1m1h` is invalid), no sign; `0` alone needs no unit.
 */

/** Milliseconds per unit, in the only order the units may appear. */
const UNITS: readonly (readonly [string, number])[] = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** model/time.go durationRE: `^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$` */
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** The longest time.Duration, 2^63-1 ns, in ms: Prometheus rejects more as out of range. */
const MAX_MS = Number((2n ** 63n - 1n) / 1_000_000n);

const HINT =
  'write a Prometheus duration such as 30s, 5m, 1h30m or 1d (whole numbers; units y w d h m s ms, biggest first)';

export class PromDurationError extends Error {
  override name = 'PromDurationError';
}

/** Parses a Prometheus duration into milliseconds, or throws a PromDurationError saying what to write. */
export function parsePromDuration(text: string): number {
  if (text === '0') return 0;
  if (text === '') throw new PromDurationError(`empty duration; ${HINT}`);
  const m = DURATION_RE.exec(text);
  if (!m) throw new PromDurationError(`invalid duration '${text}'; ${HINT}`);
  let ms = 0;
  UNITS.forEach(([, perUnit], i) => {
    const n = m[i + 1];
    if (n !== undefined) ms += Number(n) * perUnit;
  });
  if (!Number.isSafeInteger(ms) || ms > MAX_MS)
    throw new PromDurationError(`duration '${text}' is out of range (at most about 292 years)`);
  return ms;
}

/**
 * Renders milliseconds as Prometheus prints a model.Duration (`0s`, `1m30s`, `1d`, `2w`, `1y`;
 * years and weeks only when they divide it exactly, as upstream), so parsePromDuration reads it
 * back to the same value. Fractions of a millisecond are rounded.
 */
export function formatPromDuration(msIn: number): string {
  let ms = Math.round(msIn);
  if (ms < 0) throw new PromDurationError(`a Prometheus duration cannot be negative (${msIn} ms)`);
  if (ms === 0) return '0s';
  let out = '';
  for (const [unit, perUnit] of UNITS) {
    if ((unit === 'y' || unit === 'w') && ms % perUnit !== 0) continue;
    const n = Math.floor(ms / perUnit);
    if (n > 0) {
      out += `${n}${unit}`;
      ms -= n * perUnit;
    }
  }
  return out;
}
