/**
 * The folder: SLOs as data: the default-SLO rows a scenario module declares (defaults.ts), the
 * drill config file (config.ts: YAML, zod-validated, with per-scenario overrides and
 * allowedContexts), `--slo` flag parsing (parse.ts), and the merge of the three (resolve.ts).
 *
 * SLO vocabulary: measurement names (the names used in report.json), operators, and where a
 * threshold came from. Scenario names are not listed here: the catalogue (scenarios/index.ts) is
 * the one list, and the CLI passes its names down where they are validated.
 * `threshold: 'expected'` refers to the expected window the analysis derives from the target's
 * configuration (`<`/`<=` → its max, `>`/`>=` → its min, `==` → inside [min, max]); it is how
 * "NotReady ≤ grace + slack" and "RPO = exactly the post-snapshot writes" stay data.
 */

/** A scenario's name as the catalogue (scenarios/index.ts) lists it; checked at the CLI boundary. */
export type ScenarioName = string;

export const MEASUREMENTS = [
  'lb_failover_s',
  'api_outage_s',
  'endpoint_removal_s',
  'rto_s',
  'rpo_lost_writes',
  'rpo_window_s',
  'rpo_pre_snapshot_lost_writes',
  'etcd_leader_election_s',
  'apiserver_unready_s',
  'etcd_catchup_s',
  'vip_takeover_s',
  'node_notready_s',
  'pod_eviction_s',
  'pods_replaced_s',
  'lease_reelection_s',
  'write_latency_p50_s',
  'write_latency_p99_s',
  'api_latency_p99_s',
  'etcd_leader_changes',
  'readyz_flaps',
  'api_disruption_s',
  'apiserver_restart_disruption_s',
  'etcd_restart_disruption_s',
  'lease_holder_changes',
  'etcd_member_replace_s',
  'api_error_ratio',
] as const;
export type MeasurementName = (typeof MEASUREMENTS)[number];

/**
 * The detection measurements of one expected alert (src/analysis/detection.ts): from the fault to
 * the alert firing (`detect_`) and to its first notification (`notify_`), from the heal to it
 * resolving (`resolve_`). Named after the alert, so they are not in the closed list above: they
 * are judged against their expected window, not set by the SLO config or `--slo`.
 */
export const ALERT_MEASUREMENT_KINDS = ['detect', 'notify', 'resolve'] as const;
export type AlertMeasurementKind = (typeof ALERT_MEASUREMENT_KINDS)[number];
export type AlertMeasurementName = `${AlertMeasurementKind}_${string}_s`;

/**
 * A PromQL SLO of the drill config (src/monitoring/promql.ts): `promql_<name>`, its worst sample
 * across the fault window, judged by its own operator and threshold.
 */
export type PromqlMeasurementName = `promql_${string}`;

/** Any measurement a report carries: a listed one, an alert's or a PromQL SLO's. */
export type AnyMeasurementName = MeasurementName | AlertMeasurementName | PromqlMeasurementName;

export function alertMeasurementName(kind: AlertMeasurementKind, alert: string): AlertMeasurementName {
  return `${kind}_${alert}_s`;
}

export function isAlertMeasurementName(value: string): value is AlertMeasurementName {
  return /^(detect|notify|resolve)_.+_s$/.test(value);
}

export const SLO_OPS = ['<', '<=', '==', '>=', '>'] as const;
export type SloOp = (typeof SLO_OPS)[number];

export type SloSource = 'default' | 'config' | 'cli';

/** Whether `value op threshold` holds: the one SLO comparison (measurements, PromQL samples). */
export function compare(value: number, op: SloOp, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return Math.abs(value - threshold) < 1e-9;
    case '>=':
      return value >= threshold;
    case '>':
      return value > threshold;
  }
}

export interface Slo {
  readonly op: SloOp;
  readonly threshold: number | 'expected';
  readonly source: SloSource;
}

/** SLOs by measurement name, after defaults, config and CLI are merged. */
export type SloSet = Readonly<Partial<Record<MeasurementName, Slo>>>;

export function isMeasurementName(value: string): value is MeasurementName {
  return (MEASUREMENTS as readonly string[]).includes(value);
}

export function formatSlo(slo: Pick<Slo, 'op' | 'threshold'>): string {
  return `${slo.op} ${slo.threshold}`;
}

/** A user error: bad config or flag. The message says what to fix; the CLI exits 2. */
export class SloInputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'SloInputError';
  }
}
