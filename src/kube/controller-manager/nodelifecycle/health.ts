/**
 * Node health as upstream's node lifecycle controller judges it (tryUpdateNodeHealth): a node's last
 * probe is the LOCAL time at which this controller last saw its Ready heartbeat or its
 * kube-node-lease renewTime change; the node is stale once now > probe + grace (node-startup-grace-period
 * while it never posted Ready, node-monitor-grace-period after). Stale → Ready, MemoryPressure,
 * DiskPressure and PIDPressure become Unknown (reason NodeStatusUnknown), heartbeat times untouched.
 * Pure: the caller passes objects and `now`.
 */
import type { V1Lease, V1Node, V1NodeCondition } from '@kubernetes/client-node';

export const WATCHED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;
export const UNKNOWN_REASON = 'NodeStatusUnknown';
export const UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
export const NEVER_UPDATED_REASON = 'NodeStatusNeverUpdated';
export const NEVER_UPDATED_MESSAGE = 'Kubelet never posted node status.';

export interface NodeHealth {
  /** Local time of the last observed change of heartbeat or lease. */
  probeTimestamp: number;
  /** Raw values last seen, compared to detect a change. */
  heartbeat: string | undefined;
  leaseRenew: string | undefined;
}

export interface HealthTimings {
  readonly gracePeriodMs: number;
  readonly startupGracePeriodMs: number;
}

const timeKey = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  const ms = v instanceof Date ? v.getTime() : Date.parse(String(v));
  return Number.isNaN(ms) ? String(v) : String(ms);
};

export const readyCondition = (node: V1Node): V1NodeCondition | undefined =>
  node.status?.conditions?.find((c) => c.type === 'Ready');

export interface HealthVerdict {
  /** The conditions to write when the node went stale, or undefined when nothing must change. */
  readonly newConditions: V1NodeCondition[] | undefined;
  /** Ready status after this pass ('True' | 'False' | 'Unknown'). */
  readonly readyStatus: string;
  /**
   * Ready status as read before this pass changed it (upstream tryUpdateNodeHealth's
   * observedReadyCondition: the node's own Ready condition, or Unknown when it has none). Taint-based
   * eviction decides on this one (taints.ts ReadyStatuses).
   */
  readonly observedStatus: string;
  readonly stale: boolean;
}

export class HealthTracker {
  private readonly saved = new Map<string, NodeHealth>();

  constructor(private readonly t: HealthTimings) {}

  /** For tests and logs. */
  get(name: string): NodeHealth | undefined {
    return this.saved.get(name);
  }

  forgetMissing(names: ReadonlySet<string>): void {
    for (const k of [...this.saved.keys()]) if (!names.has(k)) this.saved.delete(k);
  }

  /** Forget everything (e.g. after losing and regaining leadership: probes restart from now). */
  reset(): void {
    this.saved.clear();
  }

  observe(node: V1Node, lease: V1Lease | undefined, now: number): HealthVerdict {
    const name = node.metadata?.name ?? '';
    const ready = readyCondition(node);
    const heartbeat = timeKey(ready?.lastHeartbeatTime);
    const leaseRenew = timeKey(lease?.spec?.renewTime);
    let h = this.saved.get(name);
    if (!h) {
      // first sight: the probe starts now on our clock, whatever the timestamps say
      h = { probeTimestamp: now, heartbeat, leaseRenew };
      this.saved.set(name, h);
    } else {
      if (heartbeat !== h.heartbeat) {
        h.heartbeat = heartbeat;
        h.probeTimestamp = now;
      }
      if (leaseRenew !== undefined && leaseRenew !== h.leaseRenew) {
        // upstream takes a lease only when its renewTime moved forward
        if (h.leaseRenew === undefined || Number(leaseRenew) > Number(h.leaseRenew)) h.probeTimestamp = now;
        h.leaseRenew = leaseRenew;
      }
    }
    const grace = ready === undefined ? this.t.startupGracePeriodMs : this.t.gracePeriodMs;
    const stale = now > h.probeTimestamp + grace;
    const observedStatus = ready?.status ?? 'Unknown';
    if (!stale) return { newConditions: undefined, readyStatus: observedStatus, observedStatus, stale };
    return {
      newConditions: unknownConditions(node.status?.conditions, now),
      readyStatus: 'Unknown',
      observedStatus,
      stale,
    };
  }
}

/**
 * Sets the four watched conditions to Unknown (missing ones are added with NodeStatusNeverUpdated).
 * Returns undefined when they already are Unknown (nothing to write).
 */
export function unknownConditions(
  existing: readonly V1NodeCondition[] | undefined,
  now: number,
): V1NodeCondition[] | undefined {
  const out = (existing ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of WATCHED_CONDITIONS) {
    const c = out.find((x) => x.type === type);
    if (!c) {
      out.push({
        type,
        status: 'Unknown',
        reason: NEVER_UPDATED_REASON,
        message: NEVER_UPDATED_MESSAGE,
        lastHeartbeatTime: new Date(now),
        lastTransitionTime: new Date(now),
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = UNKNOWN_REASON;
      c.message = UNKNOWN_MESSAGE;
      c.lastTransitionTime = new Date(now);
      changed = true;
    }
  }
  return changed ? out : undefined;
}
