/**
 * The scenario catalogue: one script per scenario, each composing the engine's faults, probes
 * and recovery criteria. `all` runs them in this order.
 */
import type { Scenario } from '../src/runner/scenario.ts';
import type { ScenarioName } from '../src/slo/types.ts';
import { apiserverKill } from './apiserver-kill.ts';

export const SCENARIO_CATALOGUE: ReadonlyMap<ScenarioName, Scenario> = new Map([
  [apiserverKill.name, apiserverKill],
]);
