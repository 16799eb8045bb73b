/**
 * Parsing SLO overrides: `--slo name=value` (new threshold, keeps the operator), `--slo name<=value`
 * (operator and threshold), and the config file's forms (a number, a string like "<= 20" or
 * "== expected", or `{ op, threshold }`). Errors name the flag or key and what to write instead.
 */
import {
  isMeasurementName,
  MEASUREMENTS,
  type MeasurementName,
  SLO_OPS,
  SloInputError,
  type SloOp,
} from './types.ts';

export interface SloOverride {
  readonly name: MeasurementName;
  /** Absent for `name=value`: keep the existing operator. */
  readonly op?: SloOp;
  readonly threshold: number | 'expected';
}

const FLAG_RE = /^\s*([A-Za-z0-9_.-]+)\s*(<=|>=|==|<|>|=)\s*(.*?)\s*$/;
const EXPR_RE = /^\s*(<=|>=|==|<|>|=)?\s*(.*?)\s*$/;

export function parseSloFlag(flag: string): SloOverride {
  const where = `--slo ${JSON.stringify(flag)}`;
  const m = FLAG_RE.exec(flag);
  if (!m) {
    throw new SloInputError(
      `${where}: expected name=value or name<op>value (op one of ${SLO_OPS.join(' ')}), e.g. --slo lb_failover_s<=20`,
    );
  }
  const [, name, op, raw] = m as unknown as [string, string, string, string];
  const measurement = checkName(name, where);
  const threshold = parseThreshold(raw, `${where}: value`);
  return op === '=' ? { name: measurement, threshold } : { name: measurement, op: op as SloOp, threshold };
}

export function parseSloFlags(flags: readonly string[]): SloOverride[] {
  return flags.map(parseSloFlag);
}

/** A config-file SLO value: number | "<= 20" | "expected" | { op, threshold }. */
export function parseSloValue(name: string, value: unknown, where: string): SloOverride {
  const measurement = checkName(name, where);
  if (typeof value === 'number') return { name: measurement, threshold: parseThreshold(value, where) };
  if (typeof value === 'string') {
    const m = EXPR_RE.exec(value)!;
    const op = m[1];
    const threshold = parseThreshold(m[2] ?? '', where);
    return op === undefined || op === '='
      ? { name: measurement, threshold }
      : { name: measurement, op: op as SloOp, threshold };
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as { op?: unknown; threshold?: unknown };
    if (v.op !== undefined && !(SLO_OPS as readonly unknown[]).includes(v.op)) {
      throw new SloInputError(`${where}.op: ${JSON.stringify(v.op)} is not one of ${SLO_OPS.join(' ')}`);
    }
    const threshold = parseThreshold(v.threshold, `${where}.threshold`);
    return v.op === undefined
      ? { name: measurement, threshold }
      : { name: measurement, op: v.op as SloOp, threshold };
  }
  throw new SloInputError(
    `${where}: expected a number, a string like "<= 20", or { op, threshold }, got ${JSON.stringify(value)}`,
  );
}

function checkName(name: string, where: string): MeasurementName {
  if (isMeasurementName(name)) return name;
  const hint = suggest(name);
  throw new SloInputError(
    `${where}: unknown measurement ${JSON.stringify(name)}${hint ? ` (did you mean ${hint}?)` : ''}; known: ${MEASUREMENTS.join(', ')}`,
  );
}

/** A threshold as written: plain decimal digits (`20`, `0.5`), not `0x10`, `1e3` or `Infinity`. */
const DECIMAL = /^\d+(\.\d+)?$/;

function parseThreshold(raw: unknown, where: string): number | 'expected' {
  if (raw === 'expected') return 'expected';
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) {
    throw new SloInputError(
      `${where}: threshold must be a non-negative number in decimal (seconds or a count, e.g. 20 or 0.5) or "expected", got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

/** Closest known name by edit distance, when close enough to be a typo. */
function suggest(name: string): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const known of MEASUREMENTS) {
    const d = distance(name.toLowerCase(), known);
    if (d < bestD) {
      bestD = d;
      best = known;
    }
  }
  return bestD <= 3 ? best : undefined;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
