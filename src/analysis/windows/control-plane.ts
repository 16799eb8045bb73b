/**
 * Control-plane windows.
 *
 * - endpoint_removal_s (kubernetes pkg/controlplane/reconcilers/lease.go; TTL 15 s and interval
 *   10 s are the constants DefaultEndpointReconcilerTTL / DefaultEndpointReconcilerInterval in
 *   pkg/controlplane/instance.go, not kube-apiserver flags): every apiserver rewrites its lease key
 *   (TTL) and the `default/kubernetes` endpoints from the live keys every interval.
 *   Hard stop (KILL): the dead apiserver's key was last written up to one interval before the
 *   kill, so it expires in [TTL − interval, TTL]; a live reconciler removes the IP on its next pass:
 *   [TTL − interval, TTL + interval]. Graceful stop (TERM): the apiserver removes its own endpoint
 *   on shutdown (pkg/controlplane/controller/kubernetesservice/controller.go `Stop` →
 *   `RemoveEndpoints`): from ≈ 0. Both + the harness watch's delivery allowance: one reconnect
 *   after the watch through the LB broke (src/probes/watch.ts: backoff up to 2 s, list timeout 3 s).
 * - lease_reelection_s: hard kill ∈ [leaseDuration − retry, leaseDuration + 2 × 2.2 × retry];
 *   graceful release ∈ [0, 2.2 × retry]. The holder renews every retry period, so its last renewal
 *   was up to one retry before the kill; candidates poll every retry × (1 + 1.2 × rand) (client-go
 *   tools/leaderelection JitterFactor 1.2), so they notice the last change up to 2.2 × retry late
 *   and try again up to 2.2 × retry after the lease expired on their clock.
 * - etcd_leader_election_s ∈ [election, 4 × election + heartbeat] when the leader is cut, 0 when a
 *   follower is. An INPUT-only cut lets the old leader's heartbeats out until its check-quorum
 *   (every election timeout) makes it step down; followers then campaign after a randomized
 *   [election, 2 × election], and the vote takes a heartbeat round trip.
 * - apiserver_unready_s ∈ [0, 2 × election + 2 + 0.5]: the cut member stops serving linearizable
 *   reads once it has no leader (up to 2 × election for a cut leader to step down), the apiserver's
 *   etcd check times out after 2 s, and the harness probes /readyz every 0.5 s.
 */
import type { TimingInputs } from '../../targets/defaults.ts';
import type { ExpectedOptions, WindowSpec } from '../types.ts';
import { has } from './common.ts';

/** One watch reconnect of the harness's endpoints probe (src/probes/watch.ts), seconds. */
export const WATCH_DELIVERY_S = 2 + 3;

export function endpointRemovalWindow(t: TimingInputs, opts: ExpectedOptions = {}): WindowSpec | undefined {
  if (!has(t, 'masterLeaseTtlS', 'endpointReconcileIntervalS')) return undefined;
  const ttl = t.masterLeaseTtlS;
  const i = t.endpointReconcileIntervalS;
  const max = ttl + i + WATCH_DELIVERY_S;
  const upper = `lease TTL ${ttl} + reconcile interval ${i} + watch delivery ${WATCH_DELIVERY_S}`;
  if (opts.gracefulStop) {
    return { min: 0, max, formula: `removed on stop: [0, ${upper}]` };
  }
  return {
    min: Math.max(0, ttl - i),
    max,
    formula: `[lease TTL ${ttl} − reconcile interval ${i}, ${upper}]`,
  };
}

export function reelectionWindow(t: TimingInputs, opts: ExpectedOptions = {}): WindowSpec | undefined {
  if (!has(t, 'leaseDurationS', 'retryPeriodS')) return undefined;
  const d = t.leaseDurationS;
  const r = t.retryPeriodS;
  const jittered = r * 2.2;
  if (opts.gracefulRelease) {
    return { min: 0, max: jittered, formula: `released on stop: ≤ retry ${r} × 2.2 (jitter 1.2)` };
  }
  return {
    min: Math.max(0, d - r),
    max: d + 2 * jittered,
    formula: `[lease ${d} − retry ${r}, lease ${d} + 2 × retry ${r} × 2.2 (jitter 1.2)]`,
  };
}

export function etcdElectionWindow(t: TimingInputs, opts: ExpectedOptions = {}): WindowSpec | undefined {
  if (opts.cutFollower) return { min: 0, max: 0, formula: 'the cut member was a follower: no election' };
  if (!has(t, 'etcdElectionMs', 'etcdHeartbeatMs')) return undefined;
  const e = t.etcdElectionMs / 1000;
  const h = t.etcdHeartbeatMs / 1000;
  return {
    min: e,
    max: 4 * e + h,
    formula: `[election ${e}, 4 × election ${e} + heartbeat ${h}] (leader steps down, then followers campaign)`,
  };
}

export function apiserverUnreadyWindow(t: TimingInputs): WindowSpec | undefined {
  if (!has(t, 'etcdElectionMs')) return undefined;
  const e = t.etcdElectionMs / 1000;
  return {
    min: 0,
    max: 2 * e + 2 + 0.5,
    formula: `≤ 2 × election ${e} + etcd check timeout 2 + probe interval 0.5`,
  };
}
