/**
 * A scenario is one module in `scenarios/`, listed in the catalogue (scenarios/index.ts). It
 * supplies everything about itself: its fault (built from the target's topology and the user's
 * options), the probes it needs, optional setup/teardown of a drill workload, when the cluster
 * counts as recovered, how long to observe at most, its default SLOs and informational
 * measurements, and the expected-window rules and context the pure analysis needs from it.
 * Nothing outside the module and the catalogue names it.
 */
import { DEFAULT_TOLERATION_SECONDS } from '../analysis/expected.ts';
import type { AnalysisContext, SustainedRule, WindowRules } from '../analysis/types.ts';
import type { Fault } from '../faults/types.ts';
import type { ScenarioAlerts } from '../monitoring/types.ts';
import type { KubeAccess } from '../probes/kube.ts';
import type { Probe } from '../probes/types.ts';
import type { MeasurementName, ScenarioName, SloSet } from '../slo/types.ts';
import type { TimingInputs } from '../targets/defaults.ts';
import type { Target } from '../targets/types.ts';
import type { TimelineEvent } from '../timeline/events.ts';
import type { EventSink } from '../timeline/recorder.ts';
import { apiRecovered } from './recovery.ts';

/** User options a scenario may take (`--host`, `--member`, `--signal`, `--variant`, ...). */
export interface ScenarioOptions {
  readonly host?: string;
  readonly member?: string;
  readonly signal?: 'KILL' | 'TERM';
  readonly variant?: string;
  readonly tolerationSeconds?: number;
  /** Added latency, ms (`--delay`: etcd-disk-latency's fsync delay, network-degrade's link delay). */
  readonly delayMs?: number;
  /** network-degrade: jitter of the added delay, ms (`--jitter`). */
  readonly jitterMs?: number;
  /** network-degrade: packet loss, percent (`--loss`). */
  readonly lossPct?: number;
  /** etcd-restore: keep the snapshot on the members after the heal (0600) instead of removing it. */
  readonly keepSnapshot?: boolean;
}

export interface ScenarioContext {
  readonly target: Target;
  readonly kube: KubeAccess;
  readonly timings: TimingInputs;
  readonly options: ScenarioOptions;
  readonly runId: string;
  readonly sink: EventSink;
  /** The sustained-success rule the analysis measures RTO with (defaults when absent). */
  readonly sustained?: SustainedRule;
  /**
   * `--hold-until-detected`: how long the runner may keep the fault in place (the longest expected
   * alert window + 5 s); a fault its host restores by itself lasts `faultSpanMs` (below).
   */
  readonly holdMs?: number;
  /**
   * `--hold-until-detected`, for a fault that ends its own disaster inside its inject (etcd-restore
   * restores and restarts everything before it returns): resolves once every expected alert has
   * fired for the outage that took effect at `effectMs` (the run's clock), or its window has
   * passed, so the fault keeps the outage in place that long.
   */
  readonly untilDetected?: (effectMs: number) => Promise<void>;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  /** Default SLOs (src/slo/defaults.ts `sloDefaults`), before config and `--slo` overrides. */
  readonly defaultSlos: SloSet;
  /** Measurements reported without an SLO. */
  readonly informational?: readonly MeasurementName[];
  /** Expected-window rules replacing a measurement's default rule (src/analysis/expected.ts). */
  readonly windows?: WindowRules;
  /**
   * What the drill does to workloads or the whole control plane beyond a failover (the control
   * plane down, data rolled back, pods evicted): on a non-lab target it needs the user's consent
   * (src/safety/consent.ts), so the sentence must say plainly what happens.
   */
  readonly destructive?: string;
  /** Resolves the fault for this target; throws a UserError for impossible options. */
  fault(ctx: ScenarioContext): Promise<Fault>;
  probes(ctx: ScenarioContext): Probe[];
  setup?(ctx: ScenarioContext): Promise<void>;
  teardown?(ctx: ScenarioContext): Promise<void>;
  /** True once the cluster has recovered from the fault injected at faultAtMs. */
  recovered(events: readonly TimelineEvent[], faultAtMs: number, ctx: ScenarioContext): boolean;
  /** Longest time to observe after injection before healing anyway. */
  observeMs(timings: TimingInputs, options: ScenarioOptions): number;
  /**
   * The alerts this drill expects to fire and those allowed to (src/monitoring/types.ts), for the
   * run's aim (e.g. `instance` of the killed apiserver); the drill config may replace them.
   */
  alerts?(ctx: ScenarioContext): ScenarioAlerts;
  /** Extra analysis context from the run (e.g. the node the fault stopped, the workload's toleration). */
  analysis?(ctx: ScenarioContext, fault: Fault): Partial<AnalysisContext>;
}

/**
 * For a fault that does all its work inside its inject (a maintenance sequence: rolling-restart,
 * etcd-member-replace): observe until the API answers steadily through the LB, 30 s at most.
 */
export const UNTIL_API_STEADY: Pick<Scenario, 'recovered' | 'observeMs'> = {
  recovered: (events, at, ctx) => apiRecovered(events, at, ctx.sustained),
  observeMs: () => 30_000,
};

/** Every measurement a scenario reports: its default SLOs and its informational ones. */
export function measuredBy(s: Pick<Scenario, 'defaultSlos' | 'informational'>): Set<MeasurementName> {
  return new Set([...(Object.keys(s.defaultSlos) as MeasurementName[]), ...(s.informational ?? [])]);
}

/** The analysis context a scenario's static declarations give, with the run's resolved SLOs. */
export function scenarioAnalysis(
  s: Pick<Scenario, 'informational' | 'windows'>,
  slos: SloSet,
): AnalysisContext {
  return {
    slos,
    ...(s.informational ? { informational: s.informational } : {}),
    ...(s.windows ? { windows: s.windows } : {}),
  };
}

/** The drill workload's tolerationSeconds: `--toleration-seconds`, else the upstream default. */
export function tolerationSecondsOf(o: ScenarioOptions): number {
  return o.tolerationSeconds ?? DEFAULT_TOLERATION_SECONDS;
}

/**
 * The longest the runner keeps a fault in place after its inject, ms: the scenario's observation
 * or, held until detected, the hold, whichever is longer (src/runner/run.ts observes that long at
 * most). A fault whose host ends it by itself (a link's own timer, an injector's expiry) must last
 * at least this long. (Until 2026-12-03 the scenarios added the two: over ssh, lb-stop's link
 * stayed down 34 s where the runner observed 20 s at most, and the heal waited for it.)
 */
export const faultSpanMs = (scenario: Pick<Scenario, 'observeMs'>, ctx: ScenarioContext): number =>
  Math.max(scenario.observeMs(ctx.timings, ctx.options), ctx.holdMs ?? 0);
