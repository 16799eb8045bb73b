/**
 * Judging an observation against its SLO. No value ⇒ `unknown`, never `pass`. A lower-bound value
 * can only prove a violation of `<`/`<=` (then `fail`), otherwise it is `unknown`. `'expected'`
 * thresholds compare with the expected window.
 */
import { compare, type Slo, type SloOp } from '../slo/types.ts';
import type { ExpectedWindow, Observation, Verdict } from './types.ts';

const ORDER: Readonly<Record<Verdict, number>> = { pass: 0, unknown: 1, fail: 2 };

/** Worst of a list (fail > unknown > pass); an empty list is `unknown`. */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.length === 0) return 'unknown';
  return verdicts.reduce((a, b) => (ORDER[b] > ORDER[a] ? b : a), 'pass' as Verdict);
}

export function judge(
  obs: Observation,
  slo: Slo | null,
  expected: ExpectedWindow | undefined,
): { verdict: Verdict; message: string } {
  if (obs.value === null) return { verdict: 'unknown', message: `not observed: ${obs.detail}` };
  const shown = `${obs.lowerBound ? '≥ ' : ''}${round(obs.value)}`;
  if (slo === null) return { verdict: 'pass', message: `measured ${shown} (informational, no SLO)` };
  let ok: boolean;
  let target: string;
  if (slo.threshold === 'expected') {
    if (!expected) {
      return {
        verdict: 'unknown',
        message: `measured ${shown}, but the SLO refers to the expected window and the target's timings are unknown`,
      };
    }
    target = `${slo.op} expected [${round(expected.min)}, ${round(expected.max)}]`;
    ok = againstWindow(obs.value, slo.op, expected);
  } else {
    target = `${slo.op} ${slo.threshold}`;
    ok = compare(obs.value, slo.op, slo.threshold);
  }
  if (obs.lowerBound) {
    const upwards = slo.op === '<' || slo.op === '<=' || slo.op === '==';
    if (upwards && !ok) return { verdict: 'fail', message: `measured ${shown}, already violates ${target}` };
    return {
      verdict: 'unknown',
      message: `measured only ${shown} (no end observed); cannot confirm ${target}`,
    };
  }
  return ok
    ? { verdict: 'pass', message: `measured ${shown}, meets ${target}` }
    : { verdict: 'fail', message: `measured ${shown}, violates ${target}` };
}

function againstWindow(value: number, op: SloOp, w: ExpectedWindow): boolean {
  switch (op) {
    case '<':
    case '<=':
      return compare(value, op, w.max);
    case '>':
    case '>=':
      return compare(value, op, w.min);
    case '==':
      return value >= w.min - 1e-9 && value <= w.max + 1e-9;
  }
}

export function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
