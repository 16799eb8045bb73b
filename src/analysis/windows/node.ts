/**
 * Node lifecycle windows (kubernetes pkg/controller/nodelifecycle/node_lifecycle_controller.go).
 *
 * - node_notready_s ∈ [grace − leaseRenew, grace + 2 × monitorPeriod]
 *   `tryUpdateNodeHealth` marks the node Unknown once now > probeTimestamp + grace; probeTimestamp
 *   is when the controller *observed* the last Lease renewal, which was up to one renew interval
 *   before the fault (so the mark can come before grace). The controller looks every monitor
 *   period (`monitorNodeHealth`): it observes the last renewal up to one period late and decides
 *   up to one period late.
 * - pod_eviction_s ∈ [NotReady.min + period + toleration, NotReady.max + period + toleration + 0.1]
 *   `monitorNodeHealth` passes `processTaintBaseEviction` the Ready condition observed *before* the
 *   pass updated it, so the NoExecute taint is queued on the next pass, one monitor period after
 *   the node went Unknown; `doNoExecuteTaintingPass` applies it every nodeEvictionPeriod (100 ms);
 *   the taint-eviction controller deletes the pod tolerationSeconds after the taint's timeAdded.
 */
import type { TimingInputs } from '../../targets/defaults.ts';
import type { WindowSpec } from '../types.ts';
import { has, s3 } from './common.ts';

/**
 * tolerationSeconds the DefaultTolerationSeconds admission plugin adds for the not-ready and
 * unreachable NoExecute taints when a pod has none: 300 s (kubernetes
 * plugin/pkg/admission/defaulttolerationseconds/admission.go, `--default-not-ready-toleration-seconds`
 * and `--default-unreachable-toleration-seconds`). The drill workload's default too.
 */
export const DEFAULT_TOLERATION_SECONDS = 300;

/** nodeEvictionPeriod: how often the tainting pass runs (node_lifecycle_controller.go). */
const NODE_EVICTION_PERIOD_S = 0.1;

export function notReadyWindow(t: TimingInputs): WindowSpec | undefined {
  if (!has(t, 'nodeMonitorGracePeriodS', 'nodeMonitorPeriodS', 'nodeLeaseRenewIntervalS')) return undefined;
  const g = t.nodeMonitorGracePeriodS;
  const p = t.nodeMonitorPeriodS;
  const r = t.nodeLeaseRenewIntervalS;
  return {
    min: Math.max(0, g - r),
    max: g + 2 * p,
    formula: `[grace ${g} − lease renew ${r}, grace ${g} + 2 × monitor period ${p}]`,
  };
}

export function evictionWindow(t: TimingInputs): WindowSpec | undefined {
  const nr = notReadyWindow(t);
  if (!nr || !has(t, 'nodeMonitorPeriodS')) return undefined;
  const tol = t.tolerationSeconds ?? DEFAULT_TOLERATION_SECONDS;
  const p = t.nodeMonitorPeriodS;
  return {
    min: nr.min + p + tol,
    max: nr.max + p + tol + NODE_EVICTION_PERIOD_S,
    formula: `NotReady ${nr.formula} + taint on the next pass ${p} + toleration ${tol} (+ tainting pass ${s3(NODE_EVICTION_PERIOD_S)} at most)`,
  };
}
