/**
 * What a scenario script in `scenarios/` supplies to the runner: its fault (built from the
 * target's topology and the user's options), the probes it needs, optional setup/teardown of a
 * drill workload, when the cluster counts as recovered, and how long to observe at most.
 */
import type { AnalysisContext } from '../analysis/types.ts';
import type { Fault } from '../faults/types.ts';
import type { KubeAccess } from '../probes/kube.ts';
import type { Probe } from '../probes/types.ts';
import type { ScenarioName } from '../slo/types.ts';
import type { HaTimings, Target } from '../targets/types.ts';
import type { TimelineEvent } from '../timeline/events.ts';
import type { EventSink } from '../timeline/recorder.ts';

/** User options a scenario may take (`--host`, `--member`, `--signal`, `--variant`, ...). */
export interface ScenarioOptions {
  readonly host?: string;
  readonly member?: string;
  readonly signal?: 'KILL' | 'TERM';
  readonly variant?: string;
  readonly tolerationSeconds?: number;
}

export interface ScenarioContext {
  readonly target: Target;
  readonly kube: KubeAccess;
  readonly timings: HaTimings;
  readonly options: ScenarioOptions;
  readonly runId: string;
  readonly sink: EventSink;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  /** Resolves the fault for this target; throws a UserError for impossible options. */
  fault(ctx: ScenarioContext): Promise<Fault>;
  probes(ctx: ScenarioContext): Probe[];
  setup?(ctx: ScenarioContext): Promise<void>;
  teardown?(ctx: ScenarioContext): Promise<void>;
  /** True once the cluster has recovered from the fault injected at faultAtMs. */
  recovered(events: readonly TimelineEvent[], faultAtMs: number, ctx: ScenarioContext): boolean;
  /** Longest time to observe after injection before healing anyway. */
  observeMs(timings: HaTimings, options: ScenarioOptions): number;
  /** Extra analysis context (e.g. the apiserver IP the fault removed). */
  analysis?(ctx: ScenarioContext, fault: Fault): Partial<AnalysisContext>;
}
