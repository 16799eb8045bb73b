/**
 * Analysis vocabulary: a Measurement (value, unit, SLO, verdict, expected window), the window
 * rules and the context an analysis runs with.
 *
 * The folder: pure functions from a timeline (plus context: SLOs, target timings, the scenario's
 * window rules) to Measurements with verdicts and expected windows; the sustained-success rule
 * the runner observes by; findings; repetition statistics; history deltas. No I/O, no clock:
 * tested with synthetic timelines.
 */
import type { PromqlResult } from '../monitoring/promql.ts';
import type { AlertingContext } from '../monitoring/types.ts';
import type { AnyMeasurementName, MeasurementName, Slo, SloSet } from '../slo/types.ts';
import type { TimingInputs } from '../targets/defaults.ts';
import type { FaultTarget } from '../timeline/events.ts';

export type Verdict = 'pass' | 'fail' | 'unknown';

export interface ExpectedWindow {
  readonly min: number;
  readonly max: number;
  /** The formula with the numbers filled in, e.g. "grace 40 + period 5 + renew 10". */
  readonly formula: string;
  /** True when the measured value falls outside [min, max]; null when there is no value. */
  readonly outside: boolean | null;
}

/** `value`: a PromQL expression's own unit, which the harness does not know. */
export type Unit = 's' | 'writes' | 'value';

export interface Measurement {
  /** A listed measurement, or an expected alert's detection measurement (`detect_<alert>_s`, …). */
  readonly name: AnyMeasurementName;
  /** null = not observed. */
  readonly value: number | null;
  readonly unit: Unit;
  /** The value is only a lower bound (e.g. recovery never observed before the end). */
  readonly lowerBound?: boolean;
  /** null = informational, no SLO. */
  readonly slo: Slo | null;
  readonly verdict: Verdict;
  readonly message: string;
  /** How the value was observed (events used, gaps, caveats). */
  readonly detail: string;
  readonly expected?: ExpectedWindow;
}

/** What a metric function returns before judging. */
export interface Observation {
  readonly value: number | null;
  readonly lowerBound?: boolean;
  readonly detail: string;
}

/**
 * The sustained-success rule's parameters (src/analysis/availability.ts): the runner observes by
 * the same values the analysis measures with.
 */
export interface SustainedRule {
  /** RTO success window, ms (default 3000). */
  readonly sustainedSuccessMs?: number;
  /** A pause between two probe samples longer than this is a gap, ms (default 2000). */
  readonly maxProbeGapMs?: number;
  /** Which LB probe variant to judge availability on (default 'new'). */
  readonly connection?: 'new' | 'keepalive';
}

/**
 * How a scenario derives the expected window of one measurement from the target's timings
 * (src/analysis/expected.ts has the default rule of each measurement, src/analysis/windows/ the
 * formulas). `undefined` = no window.
 */
export type WindowRule = (t: TimingInputs, opts: ExpectedOptions) => WindowSpec | undefined;
export type WindowRules = Readonly<Partial<Record<MeasurementName, WindowRule>>>;
export type WindowSpec = Omit<ExpectedWindow, 'outside'>;

/** What a run observed that changes which window applies. */
export interface ExpectedOptions {
  /** The old Lease holder released the lease on stop (graceful). */
  readonly gracefulRelease?: boolean;
  /** The cut etcd member was a follower (no election). */
  readonly cutFollower?: boolean;
  /**
   * The stopped component shut down gracefully (SIGTERM): keepalived sends priority 0, an
   * apiserver removes its own endpoint. Absent: a hard stop (SIGKILL, link down).
   */
  readonly gracefulStop?: boolean;
}

/**
 * What the analysis knows besides the timeline. Everything scenario-specific comes in here as
 * data or small functions from the scenario module (scenarios/<name>.ts): its SLOs, its
 * informational measurements, its expected-window rules; the analysis never sees a scenario name.
 */
export type FindingSeverity = 'info' | 'warning' | 'critical';

export interface Finding {
  readonly id: string;
  readonly severity: FindingSeverity;
  readonly message: string;
}

export interface AnalysisContext extends SustainedRule {
  readonly slos: SloSet;
  /** Measurements reported without an SLO. */
  readonly informational?: readonly MeasurementName[];
  /** Window rules replacing the default rule of a measurement. */
  readonly windows?: WindowRules;
  /** The target's timing inputs with their origins (absent: no expected windows from timings). */
  readonly timings?: TimingInputs;
  /** Overrides of the fault target recorded in `fault.invoke`. */
  readonly target?: Partial<FaultTarget>;
  /** Number of API load balancers in the topology (1 ⇒ single point of failure). */
  readonly lbCount?: number;
  /**
   * The monitoring stack's configuration and the alerts this drill expects
   * (src/analysis/detection.ts); absent when the drill ran without Prometheus.
   */
  readonly alerting?: AlertingContext;
  /** The drill config's PromQL SLOs, judged over the fault window by the runner (src/runner/promql.ts). */
  readonly promql?: readonly PromqlResult[];
  /** Findings the scenario derives from the target's configuration (e.g. a shutdown delay shorter than the LB's detection). */
  readonly findings?: readonly Finding[];
  /**
   * api_error_ratio counts from this long after the fault's effect, ms: the time the HA design is
   * given to take the broken server out of rotation (the LB's detection and what precedes it).
   */
  readonly errorRatioGraceMs?: number;
}

export const DEFAULT_SUSTAINED_MS = 3000;
export const DEFAULT_MAX_GAP_MS = 2000;
