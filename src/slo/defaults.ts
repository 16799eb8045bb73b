/**
 * Default SLOs per scenario: the data a drill starts from before the config file and `--slo`
 * flags override it. Numbers are seconds or write counts; `'expected'` means "inside the window
 * derived from the target's timings" (see src/analysis/expected.ts).
 */
import type { MeasurementName, ScenarioName, Slo, SloOp, SloSet } from './types.ts';

type Row = readonly [MeasurementName, SloOp, number | 'expected'];

const TABLE: Readonly<Record<ScenarioName, readonly Row[]>> = {
  'apiserver-kill': [
    ['lb_failover_s', '<', 30],
    ['api_outage_s', '<', 30],
    ['endpoint_removal_s', '<', 30],
    ['rto_s', '<', 30],
    ['rpo_lost_writes', '<=', 0],
    ['rpo_window_s', '<=', 0],
  ],
  'etcd-partition': [
    ['etcd_leader_election_s', '<', 15],
    ['lb_failover_s', '<', 30],
    ['api_outage_s', '<', 30],
    ['rto_s', '<', 30],
    ['rpo_lost_writes', '<=', 0],
    ['rpo_window_s', '<=', 0],
  ],
  'lb-stop': [
    ['vip_takeover_s', '<', 30],
    ['api_outage_s', '<', 30],
    ['rto_s', '<', 30],
    ['rpo_lost_writes', '<=', 0],
  ],
  'kubelet-stop': [
    // NotReady no later than grace + monitor period + lease renew interval.
    ['node_notready_s', '<=', 'expected'],
    ['pod_eviction_s', '<', 360],
    ['pods_replaced_s', '<', 420],
  ],
  'leader-kill': [['lease_reelection_s', '<', 30]],
  'etcd-restore': [
    ['rto_s', '<', 600],
    // Exactly the writes acknowledged after the snapshot are gone.
    ['rpo_lost_writes', '==', 'expected'],
    ['rpo_pre_snapshot_lost_writes', '<=', 0],
  ],
};

export function defaultSlos(scenario: ScenarioName): SloSet {
  const out: Partial<Record<MeasurementName, Slo>> = {};
  for (const [name, op, threshold] of TABLE[scenario]) out[name] = { op, threshold, source: 'default' };
  return out;
}

/** Measurements a scenario reports even without an SLO (informational). */
export const INFORMATIONAL: Readonly<Record<ScenarioName, readonly MeasurementName[]>> = {
  'apiserver-kill': [],
  'etcd-partition': ['apiserver_unready_s', 'etcd_catchup_s'],
  'lb-stop': ['lb_failover_s'],
  'kubelet-stop': [],
  'leader-kill': [],
  'etcd-restore': ['rpo_window_s'],
};
