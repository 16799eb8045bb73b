/**
 * The one Go duration grammar of the project: Go's `time.ParseDuration` (src/time/format.go), as
 * every upstream component's duration flag reads it. An optional sign, then one or more
 * `<decimal><unit>` terms (`300ms`, `-1.5h`, `1h15m30.5s`, `.5s`, `5.s`), units ns, us, µs, μs,
 * ms, s, m, h; `0` alone needs no unit, any other bare number is rejected; a value beyond
 * ±(2^63-1) ns is rejected as upstream. Errors say what a valid value looks like.
 */

/** Longest delay a Node timer honours (setTimeout fires at once beyond 2^31-1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const LIMIT = 1n << 63n;
const HINT = 'use a Go duration such as 40s, 500ms, 1m30s or 1.5h (units ns, us, ms, s, m, h)';

export class DurationError extends Error {
  override name = 'DurationError';
}

const invalid = (text: string, why: string) =>
  new DurationError(`invalid duration '${text}': ${why}; ${HINT}`);

/** Parses `text` exactly as Go's time.ParseDuration; returns nanoseconds. */
export function parseDurationNs(text: string): bigint {
  let s = text;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid(text, 'there is no number');
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s) as RegExpExecArray;
    const [whole = '', frac] = [m[1], m[2]];
    if (whole === '' && !frac) throw invalid(text, `expected a number at '${s}'`);
    s = s.slice(m[0].length);
    const unit = /^[^\d.]*/.exec(s)?.[0] ?? '';
    if (unit === '') throw invalid(text, `the number ${m[0]} has no unit (write e.g. ${m[0]}s)`);
    const perUnit = UNIT_NS[unit];
    if (perUnit === undefined) throw invalid(text, `unknown unit '${unit}'`);
    s = s.slice(unit.length);
    let v = BigInt(whole || '0');
    if (v > LIMIT / perUnit) throw invalid(text, 'it overflows int64 nanoseconds');
    v *= perUnit;
    if (frac) {
      // Go's leadingFraction: digits while the value fits in int64, the rest only lose precision
      let f = 0n;
      let scale = 1;
      for (const c of frac) {
        const next = f * 10n + BigInt(c);
        if (f > (LIMIT - 1n) / 10n || next > LIMIT) break;
        f = next;
        scale *= 10;
      }
      v += BigInt(Math.trunc(Number(f) * (Number(perUnit) / scale)));
      if (v > LIMIT) throw invalid(text, 'it overflows int64 nanoseconds');
    }
    total += v;
    if (total > LIMIT) throw invalid(text, 'it overflows int64 nanoseconds');
  }
  if (neg) return -total;
  if (total > LIMIT - 1n) throw invalid(text, 'it overflows int64 nanoseconds');
  return total;
}

/** Parses a Go duration into milliseconds (fractional below 1 ms). */
export function parseDuration(text: string): number {
  return Number(parseDurationNs(text)) / 1e6;
}

/** Renders milliseconds the way Go prints a time.Duration for the common cases (`1m30s`, `500ms`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
