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
] as const;
export type MeasurementName = (typeof MEASUREMENTS)[number];

export const SLO_OPS = ['<', '<=', '==', '>=', '>'] as const;
export type SloOp = (typeof SLO_OPS)[number];

export type SloSource = 'default' | 'config' | 'cli';

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
