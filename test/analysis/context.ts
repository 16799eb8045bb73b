/**
 * The analysis context a catalogue scenario gives with its default SLOs, as the runner builds it
 * (src/runner/scenario.ts `scenarioAnalysis`), plus `extra`.
 */
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import type { AnalysisContext } from '../../src/analysis/types.ts';
import { scenarioAnalysis } from '../../src/runner/scenario.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';

export function scenarioContext(name: string, extra: Partial<AnalysisContext> = {}): AnalysisContext {
  const s = SCENARIO_CATALOGUE.get(name);
  if (!s) throw new Error(`no scenario ${name} in scenarios/index.ts`);
  return { ...scenarioAnalysis(s, resolveSlos({ scenario: s })), ...extra };
}
