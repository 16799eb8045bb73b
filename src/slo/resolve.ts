/**
 * Merging SLOs: the scenario's defaults ← config `slo` ← config `scenarios.<name>.slo` ← `--slo`
 * flags. Each resulting SLO remembers its source. An override without an operator keeps the
 * previous one (`<=` when there was none). The scenario module is passed in (src/slo sits below
 * scenarios/ and never looks a scenario up by name).
 */
import type { DrillConfig } from './config.ts';
import type { SloOverride } from './parse.ts';
import type { MeasurementName, Slo, SloSet, SloSource } from './types.ts';

/** What resolving needs of a scenario module: its name (for the config) and its default SLOs. */
export interface SloDefaultsOf {
  readonly name: string;
  readonly defaultSlos: SloSet;
}

export interface ResolveSloInput {
  readonly scenario: SloDefaultsOf;
  readonly config?: DrillConfig;
  readonly cli?: readonly SloOverride[];
}

export function resolveSlos(input: ResolveSloInput): SloSet {
  const out: Partial<Record<MeasurementName, Slo>> = { ...input.scenario.defaultSlos };
  const apply = (list: readonly SloOverride[] | undefined, source: SloSource) => {
    for (const o of list ?? []) {
      const prev = out[o.name];
      out[o.name] = { op: o.op ?? prev?.op ?? '<=', threshold: o.threshold, source };
    }
  };
  apply(input.config?.slo, 'config');
  apply(input.config?.scenarios[input.scenario.name]?.slo, 'config');
  apply(input.cli, 'cli');
  return out;
}
