/**
 * Monitoring vocabulary shared by the detection probe (src/probes/alerts.ts), the lab's
 * Prometheus/Alertmanager (src/lab/monitoring.ts), the alert-rule files (alerts/rules/, read by
 * src/monitoring/rules.ts) and the detection analysis (src/analysis/detection.ts).
 *
 * The folder: the alert rules as data (rules.ts), a client for Prometheus' and Alertmanager's
 * HTTP APIs (client.ts), and these types. What a drill expects to fire is data on the scenario
 * (`Scenario.alerts`), overridable in the drill config (`scenarios.<name>.alerts`).
 */

/** An interval in seconds with where it came from, e.g. Prometheus' loaded config. */
export interface Bounds {
  readonly min: number;
  readonly max: number;
}

/** One alerting rule as Prometheus loaded it (`GET /api/v1/rules`). */
export interface AlertRuleInfo {
  /** The `alert:` name. */
  readonly name: string;
  readonly expr: string;
  /** `for`, seconds (0 when the rule has none). */
  readonly forS: number;
  /** `keep_firing_for`, seconds (0 when none; Prometheus >= 2.42). */
  readonly keepFiringForS: number;
  /** `labels.severity` of the rule, when set. */
  readonly severity?: string;
  /** The rule group's evaluation interval, seconds (the global one when the group sets none). */
  readonly evaluationIntervalS: number;
  readonly group: string;
}

/**
 * An alert the drill expects to fire. `labels` narrows it to alerts carrying those labels (e.g.
 * `instance` of the killed apiserver); `conditionS` is how long after the fault's effect the
 * rule's condition becomes true in the cluster itself (e.g. an etcd member notices it lost its
 * leader only after the election timeout), default [0, 0]; `clearS` the same after the heal
 * (e.g. a restarted apiserver answers its scrape only once it is up again).
 */
export interface ExpectedAlert {
  readonly alert: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly conditionS?: Bounds;
  readonly clearS?: Bounds;
}

/**
 * A scenario's alerts: those that must fire (with windows), and those that may fire without
 * failing the drill (e.g. a leader-change alert during a partition). Any other alert with
 * severity `critical` that fires during the drill fails it; other unexpected alerts are findings.
 */
export interface ScenarioAlerts {
  readonly expected: readonly ExpectedAlert[];
  readonly allowed?: readonly string[];
}

/** What the monitoring stack was configured with, read from it at the start of the drill. */
export interface AlertingContext {
  /** Prometheus' global scrape interval and timeout, seconds (`GET /api/v1/status/config`). */
  readonly scrapeIntervalS: number;
  readonly scrapeTimeoutS: number;
  /** Prometheus' global evaluation interval, seconds. */
  readonly evaluationIntervalS: number;
  /** How often the harness polled Prometheus' alerts API, seconds. */
  readonly pollIntervalS: number;
  /**
   * Alertmanager's root route `group_wait`, seconds (`GET /api/v2/status`); absent when the drill
   * has no Alertmanager: no `notify_` measurements then.
   */
  readonly groupWaitS?: number;
  /**
   * Alertmanager's root route `group_interval`, seconds: an alert joining a group that is already
   * active is sent at that group's next flush. Absent: the notify window assumes a new group.
   */
  readonly groupIntervalS?: number;
  /** Every alerting rule Prometheus had loaded. */
  readonly rules: readonly AlertRuleInfo[];
  /** What this drill expects (scenario defaults, then the drill config). */
  readonly alerts: ScenarioAlerts;
}
