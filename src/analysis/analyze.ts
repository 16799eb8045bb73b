/**
 * The analysis entry point: `analyze(timeline, context) → Measurement[]`. Which measurements a
 * scenario reports = its SLOs (defaults + overrides) plus its informational ones, both from the
 * context; expected windows follow the context's rules (the scenario's, else the defaults). Every
 * timing is from the fault's effect (`fault.effect`, else its invoke: src/analysis/fault.ts); an
 * unproven fault yields `unknown` and no numbers at all.
 */
import { MEASUREMENTS, type MeasurementName } from '../slo/types.ts';
import { eventsOf, type FaultTarget, sortTimeline, type TimelineEvent } from '../timeline/events.ts';
import { apiOutage, lbFailover, rto, summarizeAvailability } from './availability.ts';
import { apiLatency, leaderChanges, readyzFlaps, writeLatency } from './degradation.ts';
import { apiDisruption, etcdRestartDisruption, leaseHolderChanges } from './disruption.ts';
import { endpointRemoval } from './endpoints.ts';
import { apiErrorRatio } from './errors.ts';
import { apiserverUnready, etcdCatchup, leaderElection, memberReplace } from './etcd.ts';
import { expectedWindow, withOutside } from './expected.ts';
import { faultProblem, faultStatus } from './fault.ts';
import { leaseReelection } from './lease.ts';
import { nodeNotReady, podEviction, podsReplaced } from './nodes.ts';
import { analyzeRpo } from './rpo.ts';
import type {
  AnalysisContext,
  ExpectedOptions,
  Measurement,
  Observation,
  Unit,
  WindowSpec,
} from './types.ts';
import { judge } from './verdict.ts';
import { vipTakeover } from './vip.ts';

export function measurementNames(ctx: AnalysisContext): MeasurementName[] {
  const wanted = new Set<MeasurementName>([
    ...(Object.keys(ctx.slos) as MeasurementName[]),
    ...(ctx.informational ?? []),
  ]);
  // A single LB has no standby: VIP takeover does not apply (a finding says so instead).
  if (ctx.lbCount === 1) wanted.delete('vip_takeover_s');
  return MEASUREMENTS.filter((m) => wanted.has(m));
}

export function unitOf(name: MeasurementName): Unit {
  if (name === 'rpo_lost_writes' || name === 'rpo_pre_snapshot_lost_writes') return 'writes';
  return name === 'etcd_leader_changes' ||
    name === 'readyz_flaps' ||
    name === 'lease_holder_changes' ||
    name === 'api_error_ratio'
    ? 'value'
    : 's';
}

export function analyze(events: readonly TimelineEvent[], ctx: AnalysisContext): Measurement[] {
  const timeline = sortTimeline(events);
  const names = measurementNames(ctx);
  const fault = faultStatus(timeline);
  const problem = faultProblem(fault);
  if (fault.status !== 'proven') {
    return names.map((name) => measure(name, { value: null, detail: problem! }, ctx));
  }
  const t0 = fault.effectMs;
  const target: FaultTarget = { ...fault.target, ...ctx.target } as FaultTarget;
  const healMs = eventsOf(timeline, 'heal.invoke')[0]?.atMs;
  const avail = summarizeAvailability(timeline, {
    faultMs: t0,
    ...(healMs !== undefined ? { healMs } : {}),
    sustainedSuccessMs: ctx.sustainedSuccessMs,
    maxProbeGapMs: ctx.maxProbeGapMs,
    connection: ctx.connection,
  });
  let rpoCache: ReturnType<typeof analyzeRpo> | undefined;
  const rpo = () => {
    rpoCache ??= analyzeRpo(timeline);
    return rpoCache;
  };
  const noObs = (detail: string): Observation => ({ value: null, detail });

  return names.map((name): Measurement => {
    switch (name) {
      case 'lb_failover_s':
        return measure(name, lbFailover(avail), ctx);
      case 'api_outage_s':
        return measure(name, apiOutage(avail), ctx);
      case 'rto_s':
        return measure(name, rto(avail, t0), ctx);
      case 'endpoint_removal_s':
        return measure(name, endpointRemoval(timeline, t0, target.ip), ctx);
      case 'rpo_lost_writes': {
        // A snapshot on the timeline fixes the exact count; otherwise the context's rule applies.
        const r = rpo();
        return measure(name, r.lost, ctx, r.expectedLost);
      }
      case 'rpo_window_s':
        return measure(name, rpo().window, ctx);
      case 'rpo_pre_snapshot_lost_writes':
        return measure(
          name,
          rpo().preSnapshotLost ?? noObs('no snapshot.invoke/snapshot.done on the timeline'),
          ctx,
        );
      case 'etcd_leader_election_s': {
        const r = leaderElection(timeline, t0, target.member);
        return measure(name, r, ctx, undefined, { cutFollower: r.follower === true });
      }
      case 'apiserver_unready_s':
        return measure(name, apiserverUnready(timeline, t0, [target.ip, target.host, target.member]), ctx);
      case 'etcd_catchup_s':
        return measure(name, etcdCatchup(timeline, fault.healedMs, target.member), ctx);
      case 'vip_takeover_s':
        return measure(name, vipTakeover(timeline, t0), ctx);
      case 'node_notready_s':
        return measure(name, nodeNotReady(timeline, t0, target.node ?? target.host), ctx);
      case 'pod_eviction_s':
        return measure(name, podEviction(timeline, t0, target.node ?? target.host), ctx);
      case 'pods_replaced_s':
        return measure(name, podsReplaced(timeline, t0, target.node ?? target.host), ctx);
      case 'lease_reelection_s': {
        const r = leaseReelection(timeline, t0, target.lease ?? 'kube-system/kube-controller-manager');
        return measure(name, r, ctx, undefined, { gracefulRelease: r.released });
      }
      case 'write_latency_p50_s':
        return measure(name, writeLatency(timeline, t0, 50), ctx);
      case 'write_latency_p99_s':
        return measure(name, writeLatency(timeline, t0, 99), ctx);
      case 'api_latency_p99_s':
        return measure(name, apiLatency(timeline, t0, 99), ctx);
      case 'etcd_leader_changes':
        return measure(name, leaderChanges(timeline, t0), ctx);
      case 'readyz_flaps':
        return measure(name, readyzFlaps(timeline, t0), ctx);
      case 'api_disruption_s':
        return measure(name, apiDisruption(timeline, t0), ctx);
      case 'apiserver_restart_disruption_s':
        return measure(name, apiDisruption(timeline, t0, 'kube-apiserver', 'new'), ctx);
      case 'etcd_restart_disruption_s':
        return measure(name, etcdRestartDisruption(timeline, t0), ctx);
      case 'etcd_member_replace_s':
        return measure(name, memberReplace(timeline, t0), ctx);
      case 'lease_holder_changes':
        return measure(name, leaseHolderChanges(timeline, t0), ctx);
      case 'api_error_ratio':
        return measure(name, apiErrorRatio(timeline, t0, ctx.errorRatioGraceMs ?? 0), ctx);
      default: {
        const unhandled: never = name;
        throw new Error(`no analysis for measurement ${String(unhandled)}`);
      }
    }
  });
}

function measure(
  name: MeasurementName,
  obs: Observation,
  ctx: AnalysisContext,
  window?: WindowSpec,
  opts?: ExpectedOptions,
): Measurement {
  const spec = window ?? expectedWindow(name, ctx.timings, opts, ctx.windows);
  const expected = spec ? withOutside(spec, obs.lowerBound ? null : obs.value) : undefined;
  const slo = ctx.slos[name] ?? null;
  const { verdict, message } = judge(obs, slo, expected);
  const outside = expected?.outside ? '; outside the expected window' : '';
  return {
    name,
    value: obs.value === null ? null : roundValue(obs.value),
    unit: unitOf(name),
    ...(obs.lowerBound ? { lowerBound: true } : {}),
    slo,
    verdict,
    message: message + outside,
    detail: obs.detail,
    ...(expected ? { expected } : {}),
  };
}

function roundValue(v: number): number {
  return Math.round(v * 1000) / 1000;
}
