/**
 * The scenario catalogue: one script per scenario, each composing the engine's faults, probes
 * and recovery criteria. `all` runs them in this order.
 */
import type { Scenario } from '../src/runner/scenario.ts';
import type { ScenarioName } from '../src/slo/types.ts';
import { apiserverKill } from './apiserver-kill.ts';
import { etcdPartition } from './etcd-partition.ts';
import { etcdRestore } from './etcd-restore.ts';
import { kubeletStop } from './kubelet-stop.ts';
import { lbStop } from './lb-stop.ts';
import { leaderKill } from './leader-kill.ts';

export const SCENARIO_CATALOGUE: ReadonlyMap<ScenarioName, Scenario> = new Map(
  [apiserverKill, etcdPartition, lbStop, kubeletStop, leaderKill, etcdRestore].map((s) => [s.name, s]),
);
