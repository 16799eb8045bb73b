/**
 * Exit codes from a result (issue 4): 0 all SLOs pass (or, without `--gate`, the drill ran),
 * 1 an SLO failed with `--gate`, 3 preflight failed. Under `--gate` an `unknown` verdict also
 * exits 1 by default: a gate must not pass on a measurement it could not make (set
 * `unknownFails: false` to let unknowns through). An aborted run exits 130 (interrupted).
 */
import { type DrillResult, runsOf } from './result.ts';

export interface ExitOptions {
  readonly gate: boolean;
  readonly unknownFails?: boolean;
}

export const EXIT = { ok: 0, sloFailed: 1, badInput: 2, preflight: 3, aborted: 130 } as const;

export function exitCodeFor(result: DrillResult, o: ExitOptions): number {
  const runs = runsOf(result);
  if (result.verdict === 'aborted') return EXIT.aborted;
  if (runs.some((r) => r.preflight?.ok === false)) return EXIT.preflight;
  if (!o.gate) return EXIT.ok;
  if (result.verdict === 'fail') return EXIT.sloFailed;
  if (result.verdict === 'unknown' && (o.unknownFails ?? true)) return EXIT.sloFailed;
  return EXIT.ok;
}
