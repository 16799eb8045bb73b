/**
 * The node lifecycle controller's monitor pass (I/O), every --node-monitor-period while leading:
 * list Nodes and kube-node-lease Leases, judge health (health.ts), write Unknown conditions, mark the
 * pods of not-Ready nodes Ready=False, and reconcile the unreachable/not-ready taints (taints.ts) with
 * per-zone pacing of NoExecute and the full-disruption rule; the node_collector_* metrics
 * (metrics.ts) when given a registry's.
 */
import { performance } from 'node:perf_hooks';
import type { V1Lease, V1Node, V1Pod } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../../runtime/errors.ts';
import type { Clients } from '../../runtime/kube.ts';
import type { Logger } from '../../runtime/log.ts';
import { until } from '../../runtime/loop.ts';
import { HealthTracker } from './health.ts';
import type { NodeLifecycleMetrics } from './metrics.ts';
import {
  decideTaints,
  type EvictionSettings,
  planTaints,
  type ReadyStatuses,
  TokenBucket,
  type ZoneState,
  zoneOf,
  zoneRate,
  zoneState,
} from './taints.ts';

export interface NodeLifecycleOptions {
  readonly clients: Clients;
  readonly log: Logger;
  readonly monitorPeriodMs: number;
  readonly gracePeriodMs: number;
  readonly startupGracePeriodMs: number;
  readonly eviction: EvictionSettings;
  readonly metrics?: NodeLifecycleMetrics;
}

export class NodeLifecycleController {
  private readonly tracker: HealthTracker;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly zoneStates = new Map<string, ZoneState>();

  constructor(private readonly o: NodeLifecycleOptions) {
    this.tracker = new HealthTracker({
      gracePeriodMs: o.gracePeriodMs,
      startupGracePeriodMs: o.startupGracePeriodMs,
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.o.log('node lifecycle controller started', {
      nodeMonitorPeriodMs: this.o.monitorPeriodMs,
      nodeMonitorGracePeriodMs: this.o.gracePeriodMs,
      nodeStartupGracePeriodMs: this.o.startupGracePeriodMs,
    });
    await until(
      { periodMs: this.o.monitorPeriodMs, signal, what: 'node monitor pass', log: this.o.log },
      async () => {
        const started = performance.now();
        await this.monitorOnce(Date.now());
        this.o.metrics?.monitorPass((performance.now() - started) / 1000);
      },
    );
  }

  async monitorOnce(now: number): Promise<void> {
    const { core, coord } = this.o.clients;
    const nodes = (await core.listNode()).items;
    let leases: V1Lease[] = [];
    try {
      leases = (await coord.listNamespacedLease({ namespace: 'kube-node-lease' })).items;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const leaseOf = new Map(leases.map((l) => [l.metadata?.name ?? '', l]));
    this.tracker.forgetMissing(new Set(nodes.map((n) => n.metadata?.name ?? '')));
    const ready = new Map<string, ReadyStatuses>();
    for (const node of nodes) {
      const started = performance.now();
      const name = node.metadata?.name ?? '';
      // `v.observedStatus` is the Ready status before this pass; the NoExecute taint follows it, so
      // a node that goes Unknown now gets NoExecute on the next pass, as upstream (taints.ts).
      const v = this.tracker.observe(node, leaseOf.get(name), now);
      ready.set(name, { current: v.readyStatus, observed: v.observedStatus });
      if (v.newConditions) {
        node.status = { ...node.status, conditions: v.newConditions };
        try {
          await core.replaceNodeStatus({ name, body: node });
          this.o.log('node status Unknown: kubelet stopped posting node status', {
            node: name,
            was: v.observedStatus,
            lastProbeAgeMs: now - (this.tracker.get(name)?.probeTimestamp ?? now),
          });
        } catch (e) {
          if (!isConflict(e)) throw e;
        }
      }
      this.o.metrics?.nodeHealthUpdate((performance.now() - started) / 1000);
      if (v.readyStatus !== 'True') await this.markPodsNotReady(name);
    }
    await this.reconcileTaints(nodes, ready, now);
  }

  private async markPodsNotReady(nodeName: string): Promise<void> {
    const { core } = this.o.clients;
    const pods = (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` })).items;
    for (const pod of pods) {
      const cond = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (!cond || cond.status === 'False') continue;
      const updated: V1Pod = {
        ...pod,
        status: {
          ...pod.status,
          conditions: pod.status?.conditions?.map((c) =>
            c.type === 'Ready'
              ? { ...c, status: 'False', lastTransitionTime: new Date(), reason: 'NodeNotReady' }
              : c,
          ),
        },
      };
      try {
        await core.replaceNamespacedPodStatus({
          name: pod.metadata?.name ?? '',
          namespace: pod.metadata?.namespace ?? 'default',
          body: updated,
        });
        this.o.log('pod marked Ready=False', {
          pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
          node: nodeName,
        });
      } catch (e) {
        if (!isConflict(e) && !isNotFound(e)) throw e;
      }
    }
  }

  private async reconcileTaints(
    nodes: V1Node[],
    ready: Map<string, ReadyStatuses>,
    now: number,
  ): Promise<void> {
    const byZone = new Map<string, string[]>();
    for (const n of nodes) {
      const z = zoneOf(n);
      // upstream zoneToNodeConditions holds the Ready condition after this pass's update
      byZone.set(z, [...(byZone.get(z) ?? []), ready.get(n.metadata?.name ?? '')?.current ?? 'Unknown']);
    }
    const states = new Map<string, ZoneState>();
    this.o.metrics?.zones(
      new Map(
        [...byZone].map(([z, st]) => [
          z,
          { size: st.length, unhealthy: st.filter((x) => x !== 'True').length },
        ]),
      ),
    );
    for (const [z, statuses] of byZone) {
      const st = zoneState(statuses, this.o.eviction.unhealthyZoneThreshold);
      states.set(z, st);
      const prev = this.zoneStates.get(z);
      if (prev !== st) {
        if (prev !== undefined || st !== 'Normal')
          this.o.log('zone state changed', { zone: z || '<none>', from: prev ?? 'Initial', to: st });
        this.zoneStates.set(z, st);
      }
      let b = this.buckets.get(z);
      if (!b) {
        b = new TokenBucket(this.o.eviction.evictionRate);
        this.buckets.set(z, b);
      }
      b.setRate(zoneRate(st, statuses.length, this.o.eviction), now);
    }
    const allFull = states.size > 0 && [...states.values()].every((s) => s === 'FullDisruption');
    for (const n of nodes) {
      const name = n.metadata?.name ?? '';
      const status = ready.get(name) ?? { current: 'Unknown', observed: 'Unknown' };
      const d = decideTaints(n.spec?.taints, status, this.buckets.get(zoneOf(n)), allFull, now);
      if (!d.plan.changed) continue;
      const added = await this.writeTaints(name, status, d.allow, allFull, now);
      // upstream counts the NoExecute taints its rate-limited pass added (not a swap)
      if (d.allow && added.some((a) => a.endsWith(':NoExecute'))) this.o.metrics?.eviction(zoneOf(n));
    }
  }

  /** Re-reads the node (its status may just have changed) and writes the planned taints; returns those added. */
  private async writeTaints(
    name: string,
    status: ReadyStatuses,
    allow: boolean,
    allFull: boolean,
    now: number,
  ): Promise<string[]> {
    const { core } = this.o.clients;
    for (let i = 0; i < 3; i++) {
      const fresh = await core.readNode({ name });
      const plan = planTaints(fresh.spec?.taints, status, allow, allFull, new Date(now));
      if (!plan.changed) return [];
      fresh.spec = { ...fresh.spec, taints: plan.taints };
      try {
        await core.replaceNode({ name, body: fresh });
        this.o.log('node taints updated', {
          node: name,
          added: plan.added.join(','),
          removed: plan.removed.join(','),
        });
        return plan.added;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    return [];
  }
}
