/**
 * Merging SLOs: defaults ← config `slo` ← config `scenarios.<name>.slo` ← `--slo` flags. Each
 * resulting SLO remembers its source. An override without an operator keeps the previous one
 * (`<=` when there was none).
 */
import type { DrillConfig } from './config.ts';
import { defaultSlos } from './defaults.ts';
import type { SloOverride } from './parse.ts';
import type { MeasurementName, ScenarioName, Slo, SloSet, SloSource } from './types.ts';

export interface ResolveSloInput {
  readonly scenario: ScenarioName;
  readonly config?: DrillConfig;
  readonly cli?: readonly SloOverride[];
}

export function resolveSlos(input: ResolveSloInput): SloSet {
  const out: Partial<Record<MeasurementName, Slo>> = { ...defaultSlos(input.scenario) };
  const apply = (list: readonly SloOverride[] | undefined, source: SloSource) => {
    for (const o of list ?? []) {
      const prev = out[o.name];
      out[o.name] = { op: o.op ?? prev?.op ?? '<=', threshold: o.threshold, source };
    }
  };
  apply(input.config?.slo, 'config');
  apply(input.config?.scenarios[input.scenario]?.slo, 'config');
  apply(input.cli, 'cli');
  return out;
}
