/**
 * The timeline event union: everything probes, faults and the runner observe, as data. The
 * folder: one monotonic clock per run (clock.ts), this union, a recorder with subscribe hooks
 * (recorder.ts), and the `timeline.jsonl` serializer/parser (jsonl.ts).
 *
 * Every event carries `atMs` (ms since the run's monotonic base), `wallTime` (ISO, read from the
 * wall clock when recorded, so it may skew; analysis only ever uses `atMs`) and `source` (the
 * probe, fault or runner that recorded it). Invoke and completion are separate events.
 */

export type Phase =
  | 'preflight'
  | 'baseline'
  | 'inject'
  | 'observe'
  | 'heal'
  | 'verify'
  | 'analyze'
  | 'report';
export const PHASES: readonly Phase[] = [
  'preflight',
  'baseline',
  'inject',
  'observe',
  'heal',
  'verify',
  'analyze',
  'report',
];

/** What a fault is aimed at; analysis falls back to these when the context does not say. */
export interface FaultTarget {
  readonly host: string;
  /** Address of the affected apiserver / member / node, when it has one. */
  readonly ip?: string;
  /** etcd member name (etcd-partition, etcd-restore). */
  readonly member?: string;
  /** Kubernetes node name (kubelet-stop). */
  readonly node?: string;
  /** Lease `namespace/name` (leader-kill). */
  readonly lease?: string;
  /** Signal used for process faults. */
  readonly signal?: 'SIGKILL' | 'SIGTERM';
}

/** Proof that a fault took effect, checked by the fault itself right after injecting. */
export type FaultProof =
  | { readonly kind: 'process-gone'; readonly host: string; readonly process: string; readonly pid?: number }
  | { readonly kind: 'manifest-moved'; readonly host: string; readonly path: string }
  | { readonly kind: 'container-stopped'; readonly host: string; readonly container: string }
  | { readonly kind: 'rule-in-place'; readonly host: string; readonly rules: readonly string[] }
  | {
      readonly kind: 'vip-moved';
      readonly host: string;
      readonly vip: string;
      readonly from: string | null;
      readonly to: string | null;
    }
  | { readonly kind: 'link-down'; readonly host: string; readonly link: string }
  | { readonly kind: 'service-stopped'; readonly host: string; readonly service: string }
  | { readonly kind: 'data-destroyed'; readonly host: string; readonly path: string }
  | {
      /**
       * Every component of every host restarted in turn (rolling-restart): each step's old and new
       * pid, and on the run's clock when its restart began and when it answered ready again.
       */
      readonly kind: 'restarted';
      readonly host: string;
      readonly steps: readonly RestartStep[];
    }
  | {
      /** An etcd member replaced (etcd-member-replace): its old and new member IDs, and on the run's clock when the new one answered healthy. */
      readonly kind: 'member-replaced';
      readonly host: string;
      readonly member: string;
      readonly oldId: string | null;
      readonly newId: string;
      readonly healthyAtMs: number;
    }
  | {
      /**
       * A component restarted onto an expired certificate (cert-expiry): the serial and expiry of
       * the certificate it serves now, read from its port (a client certificate: from its file),
       * and the one it had before; for a client certificate, what its use now gets (`effect`).
       */
      readonly kind: 'cert-expired';
      readonly host: string;
      readonly cert: string;
      readonly component: string;
      readonly serial: string;
      readonly notAfter: string;
      readonly previousSerial: string;
      readonly effect?: string;
    }
  | {
      /** A process's syscalls held by an injector (etcd-disk-latency), and what it measured of them. */
      readonly kind: 'syscall-delayed';
      readonly host: string;
      readonly process: string;
      readonly syscalls: readonly string[];
      readonly delayMs: number;
      /** The injector's pid on each host, in the order of `host` (comma-separated when several). */
      readonly tracerPids: readonly number[];
      /** The process's own measure of the delayed calls since the injection (etcd: WAL fsync mean, s, over `samples` calls; the lowest host's when several). */
      readonly observedMeanS: number;
      readonly samples: number;
    }
  | {
      /**
       * etcd peer links degraded (network-degrade): how (netem, the lab's proxy), what was asked,
       * and what was measured across the links — the median HTTP round trip to each peer's etcd
       * peer port before and after, and with loss the degraded hosts' packet counters.
       */
      readonly kind: 'link-degraded';
      readonly host: string;
      readonly method: string;
      readonly delayMs: number;
      readonly jitterMs: number;
      readonly lossPct: number;
      readonly rtt: readonly {
        readonly from: string;
        readonly to: string;
        readonly expectedAddedMs: number;
        readonly baselineS: number;
        readonly degradedS: number;
        readonly failed: number;
      }[];
      readonly packets?: number;
      readonly dropped?: number;
      readonly observedLossPct?: number;
    };

/** One component's restart in a rolling restart. */
export interface RestartStep {
  readonly host: string;
  readonly component: string;
  readonly oldPid: number;
  readonly newPid: number;
  /** Run clock, ms: the restart command was sent. */
  readonly fromMs: number;
  /** Run clock, ms: the component answered ready again. */
  readonly readyMs: number;
  /**
   * Run clock, ms: at its turn the component was not running (it had exited on its own); its
   * restart waited until the kubelet had started it again (`fromMs`).
   */
  readonly foundExitedMs?: number;
}

export type FaultProofKind = FaultProof['kind'];

export interface Taint {
  /** Taint key, e.g. `node.kubernetes.io/unreachable` (named `taint` so redaction never sees a `key`). */
  readonly taint: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  readonly timeAdded?: string;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Event bodies without the envelope; `type` discriminates. */
export type EventBody =
  | {
      readonly type: 'phase';
      readonly phase: Phase;
      readonly state: 'start' | 'end';
      readonly ok?: boolean;
      readonly message?: string;
    }
  | { readonly type: 'fault.invoke'; readonly fault: string; readonly target: FaultTarget }
  | { readonly type: 'fault.proof'; readonly fault: string; readonly proof: FaultProof }
  | { readonly type: 'fault.noeffect'; readonly fault: string; readonly reason: string }
  | {
      /**
       * When the fault took effect, when that is later than its invoke and known (back-dated to
       * that moment): e.g. a link the host takes down a second after the command, seen from
       * outside. Every timing measurement starts here; `how` says how the moment was found.
       */
      readonly type: 'fault.effect';
      readonly fault: string;
      readonly how: string;
    }
  | { readonly type: 'heal.invoke'; readonly fault: string }
  | { readonly type: 'heal.done'; readonly fault: string; readonly detail?: string }
  | { readonly type: 'heal.error'; readonly fault: string; readonly error: string }
  | {
      /** One request; `atMs` is when it was sent, `latencyMs` how long until it completed or failed. */
      readonly type: 'api.request';
      /** `lb` for requests through the load balancer, else the apiserver IP. */
      readonly target: string;
      readonly connection: 'new' | 'keepalive';
      readonly ok: boolean;
      readonly status?: number;
      readonly error?: string;
      readonly latencyMs: number;
    }
  | {
      readonly type: 'readyz';
      readonly apiserver: string;
      readonly ok: boolean;
      readonly status?: number;
      readonly error?: string;
    }
  | {
      readonly type: 'endpoints';
      readonly resource: 'Endpoints' | 'EndpointSlice';
      readonly name: string;
      readonly ips: readonly string[];
    }
  | {
      readonly type: 'lease';
      readonly namespace: string;
      readonly name: string;
      readonly holderIdentity: string | null;
      readonly leaseTransitions?: number;
      readonly renewTime?: string | null;
      readonly leaseDurationSeconds?: number;
    }
  | {
      readonly type: 'node';
      readonly name: string;
      readonly ready: ConditionStatus;
      readonly taints: readonly Taint[];
    }
  | {
      readonly type: 'pod';
      readonly name: string;
      readonly node: string | null;
      readonly phase: string;
      readonly ready: boolean;
      readonly deleted: boolean;
    }
  | {
      readonly type: 'etcd.status';
      readonly member: string;
      readonly memberId?: string;
      /** Leader member id as the member sees it; null = no leader. */
      readonly leader: string | null;
      readonly raftTerm?: number;
      readonly raftIndex?: number;
      readonly error?: string;
    }
  | { readonly type: 'vip'; readonly vip: string; readonly holder: string | null }
  | {
      /**
       * One alert's state as Prometheus' alerts API (`GET /api/v1/alerts`) reported it, recorded
       * when it changes (src/probes/alerts.ts polls at <= 1 s). `inactive`: the alert left the
       * API's list (resolved, or its condition cleared while pending). An alert is one alertname
       * with one label set; `labels` holds them all (alertname included).
       */
      readonly type: 'alert';
      readonly alert: string;
      readonly state: 'pending' | 'firing' | 'inactive';
      readonly labels: Readonly<Record<string, string>>;
      /** Prometheus' `activeAt` (its own wall clock, ISO), when it reported one. */
      readonly activeAt?: string;
      /**
       * When the alert first appears (pending or firing, not in the previous answer): the time, on
       * the run's clock, the previous answered poll was sent. That answer did not list it, so it
       * went active after this time and, pending, can fire no sooner than its rule's `for` after
       * it. Absent at the first answered poll (nothing is known of before it).
       */
      readonly unseenAtMs?: number;
    }
  | {
      /**
       * One alert of a notification Alertmanager delivered to the drill's webhook receiver
       * (src/probes/alerts.ts); `atMs` is when the harness received it.
       */
      readonly type: 'alert.notify';
      readonly alert: string;
      readonly status: 'firing' | 'resolved';
      readonly labels: Readonly<Record<string, string>>;
      readonly receiver: string;
      /**
       * The alert's `startsAt` as Alertmanager sent it: Prometheus' FiredAt (rules/manager.go
       * SendAlerts), on Prometheus' clock like the `activeAt` of `alert` events, so a notification
       * of an earlier firing episode (Alertmanager repeats a group's alerts) is told apart.
       */
      readonly startsAt?: string;
    }
  | {
      /**
       * A PromQL SLO of the drill config (src/monitoring/promql.ts) broke its threshold: back-dated
       * to the first violating sample Prometheus returned for the fault window.
       */
      readonly type: 'promql';
      readonly name: string;
      readonly value: number;
      readonly threshold: string;
      readonly labels: Readonly<Record<string, string>>;
    }
  | { readonly type: 'snapshot.invoke'; readonly member: string }
  | {
      readonly type: 'snapshot.done';
      readonly member: string;
      readonly revision?: number;
      readonly bytes?: number;
    }
  | { readonly type: 'write.ack'; readonly seq: number; readonly object: string; readonly latencyMs?: number }
  | {
      readonly type: 'write.fail';
      readonly seq: number;
      readonly object: string;
      readonly error: string;
      /** How long until it failed (a timeout: the probe's timeout). */
      readonly latencyMs?: number;
    }
  | { readonly type: 'readback'; readonly present: readonly number[]; readonly missing: readonly number[] }
  | {
      readonly type: 'watch.gap';
      readonly watch: string;
      readonly fromMs: number;
      readonly toMs: number;
      readonly reason: string;
    }
  | {
      readonly type: 'error';
      readonly message: string;
      readonly name?: string;
      readonly stack?: string;
      readonly during?: string;
    }
  | { readonly type: 'note'; readonly message: string; readonly data?: Readonly<Record<string, unknown>> };

export type EventType = EventBody['type'];

export const EVENT_TYPES: readonly EventType[] = [
  'phase',
  'fault.invoke',
  'fault.proof',
  'fault.noeffect',
  'fault.effect',
  'heal.invoke',
  'heal.done',
  'heal.error',
  'api.request',
  'readyz',
  'endpoints',
  'lease',
  'node',
  'pod',
  'etcd.status',
  'vip',
  'alert',
  'alert.notify',
  'promql',
  'snapshot.invoke',
  'snapshot.done',
  'write.ack',
  'write.fail',
  'readback',
  'watch.gap',
  'error',
  'note',
];

export interface EventEnvelope {
  /** ms since the run's monotonic base (never goes backwards). */
  readonly atMs: number;
  /** Wall-clock ISO time when recorded (informational; may jump). */
  readonly wallTime: string;
  /** Probe, fault or runner name. */
  readonly source: string;
  /** Scenario name, set when several runs share one file (the `all` suite). */
  readonly run?: string;
}

/** Distributive so that `Extract<TimelineEvent, { type: 'lease' }>` works. */
export type TimelineEvent = EventBody extends infer B
  ? B extends EventBody
    ? EventEnvelope & B
    : never
  : never;

export type EventOf<T extends EventType> = Extract<TimelineEvent, { type: T }>;

/** Events ordered by atMs; stable, so recording order is kept among equal times. */
export function sortTimeline(events: readonly TimelineEvent[]): TimelineEvent[] {
  return events
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].atMs - b[0].atMs || a[1] - b[1])
    .map(([e]) => e);
}

/** Events of one type, in timeline order. */
export function eventsOf<T extends EventType>(events: readonly TimelineEvent[], type: T): EventOf<T>[] {
  return events.filter((e): e is EventOf<T> => e.type === type);
}

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}
