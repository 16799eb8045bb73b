/**
 * Default SLOs as data: each scenario module (scenarios/<name>.ts) lists its rows, the values a
 * drill starts from before the config file and `--slo` flags override them. Numbers are seconds
 * or write counts; `'expected'` means "inside the window derived from the target's timings" (see
 * src/analysis/expected.ts).
 */
import type { MeasurementName, Slo, SloOp, SloSet } from './types.ts';

/** One default SLO: measurement, operator, threshold. */
export type SloRow = readonly [MeasurementName, SloOp, number | 'expected'];

/** A scenario's default SLO set from its rows; a measurement listed twice is a mistake in the module. */
export function sloDefaults(rows: readonly SloRow[]): SloSet {
  const out: Partial<Record<MeasurementName, Slo>> = {};
  for (const [name, op, threshold] of rows) {
    if (out[name]) throw new Error(`default SLO ${name} is listed twice: keep one row per measurement`);
    out[name] = { op, threshold, source: 'default' };
  }
  return out;
}
