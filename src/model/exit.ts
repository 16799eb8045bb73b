/**
 * Exit codes from a result (issue 4): 0 all SLOs pass (or, without `--gate`, the drill ran),
 * 1 an SLO failed with `--gate`, 3 preflight failed. Under `--gate` an `unknown` verdict also
 * exits 1 by default: a gate must not pass on a measurement it could not make (set
 * `unknownFails: false` to let unknowns through). An aborted run exits 130 (interrupted).
 *
 * `--gate-fidelity` (issue 12) is a gate of its own, not part of `--gate`: it exits 1 on any
 * fidelity problem (src/model/fidelity.ts) — a number outside the window the cluster's own
 * configuration predicts, a lower bound, a timing input the target could not give. `--gate`
 * stays the SLO gate existing pipelines rely on; a pipeline that also wants the numbers to be
 * trustworthy adds `--gate-fidelity` (both: exit 1 when either fails).
 */
import { type DrillResult, type FidelityProblem, runsOf } from './result.ts';

export interface ExitOptions {
  readonly gate: boolean;
  readonly unknownFails?: boolean;
  /** `--gate-fidelity`: exit 1 on any fidelity problem. */
  readonly gateFidelity?: boolean;
}

export const EXIT = { ok: 0, sloFailed: 1, fidelity: 1, badInput: 2, preflight: 3, aborted: 130 } as const;

export function exitCodeFor(result: DrillResult, o: ExitOptions): number {
  const runs = runsOf(result);
  if (result.verdict === 'aborted') return EXIT.aborted;
  if (runs.some((r) => r.preflight?.ok === false)) return EXIT.preflight;
  if (o.gate && result.verdict === 'fail') return EXIT.sloFailed;
  if (o.gate && result.verdict === 'unknown' && (o.unknownFails ?? true)) return EXIT.sloFailed;
  if (o.gateFidelity && fidelityProblems(result).length > 0) return EXIT.fidelity;
  return EXIT.ok;
}

/** Every fidelity problem of a result; a suite's prefixed with its scenario. */
export function fidelityProblems(result: DrillResult): readonly FidelityProblem[] {
  if (result.kind === 'run') return result.fidelity.problems;
  return result.runs.flatMap((r) =>
    r.fidelity.problems.map((p) => ({ ...p, message: `${r.meta.scenario}: ${p.message}` })),
  );
}
