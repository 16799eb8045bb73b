/**
 * Go-style durations (`40s`, `500ms`, `1m30s`, `1.5h`, `0`) as used by the upstream components' flags.
 * Returns milliseconds; throws a message that says what a valid value looks like.
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let matched = false;
  for (;;) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    pos = re.lastIndex;
    matched = true;
  }
  if (!matched || pos !== s.length || !Number.isFinite(total)) {
    throw new Error(`invalid duration '${text}': use a Go duration such as 40s, 500ms, 1m30s or 2h`);
  }
  return total;
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
