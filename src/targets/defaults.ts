/**
 * Upstream defaults of every timing input, chosen by the component's version where the default
 * changed, each with the rule that chose it; and where each input of a target came from
 * (`TimingOrigins`: configured in a file, an upstream default because of a version, the lab's
 * config), so a report can say "grace 50 s: default since v1.32, controller-manager v1.36.1".
 *
 * `TimingInputs` is `HaTimings` plus the inputs the expected windows need beyond it (haproxy's
 * `fastinter` / `timeout connect`, which LB checks, the VRRP version) and the origins.
 */
/**
 * Timing configuration of the target, as read from the lab config, kubeadm manifests or
 * haproxy/keepalived configs. All optional: a missing input means no expected window.
 */
export interface HaTimings {
  readonly nodeMonitorGracePeriodS?: number;
  readonly nodeMonitorPeriodS?: number;
  readonly nodeLeaseRenewIntervalS?: number;
  /** tolerationSeconds of the drill workload for unreachable/not-ready (default 300). */
  readonly tolerationSeconds?: number;
  readonly masterLeaseTtlS?: number;
  readonly endpointReconcileIntervalS?: number;
  readonly leaseDurationS?: number;
  readonly retryPeriodS?: number;
  readonly advertIntS?: number;
  /** keepalived priority of the backup that takes over. */
  readonly priority?: number;
  readonly checkInterMs?: number;
  readonly fall?: number;
  readonly checkTimeoutMs?: number;
  readonly etcdHeartbeatMs?: number;
  readonly etcdElectionMs?: number;
  /** kube-apiserver --shutdown-delay-duration, s: serving on, /readyz failing, after SIGTERM. */
  readonly shutdownDelayS?: number;
}

export type LbChecker = 'haproxy' | 'envoy';

export interface TimingInputs extends HaTimings {
  /** haproxy `fastinter` (interval while a server is transitioning; unset = inter); Envoy `unhealthy_edge_interval`. */
  readonly checkFastinterMs?: number;
  /** haproxy `timeout connect` (bounds a check's connect phase as min(connect, inter) when `timeout check` is set). */
  readonly checkConnectTimeoutMs?: number;
  /** haproxy `rise`: consecutive good checks before a server is up again. */
  readonly rise?: number;
  /** What health-checks the apiservers behind the API endpoint. */
  readonly lbChecker?: LbChecker;
  /** keepalived `vrrp_version` (default 2: Skew_Time does not scale with advert_int). */
  readonly vrrpVersion?: 2 | 3;
  /** Where each input came from. */
  readonly origins?: TimingOrigins;
}

export type TimingKey = Exclude<keyof TimingInputs, 'origins' | 'lbChecker'> | 'lbChecker';

export type TimingOrigin =
  /** Read from the target: `where` names the file (or command) and host. */
  | { readonly kind: 'configured'; readonly where: string }
  /** Not configured: the component's upstream default, `rule` says which and why. */
  | { readonly kind: 'default'; readonly rule: string }
  /** The lab's own configuration (preset). */
  | { readonly kind: 'lab'; readonly where: string };

export type TimingOrigins = Readonly<Partial<Record<TimingKey, TimingOrigin>>>;

/** A Kubernetes component version, from an image tag (`…/kube-controller-manager:v1.36.1`) or a version string. */
export interface KubeVersion {
  readonly major: number;
  readonly minor: number;
  readonly text: string;
}

export function parseKubeVersion(s: string | undefined): KubeVersion | undefined {
  const m = s === undefined ? null : /(?:^|[:\s])v?(\d+)\.(\d+)\.(\d+)[\w.+-]*/.exec(s);
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    text: m[0].replace(/^[:\s]/, '').replace(/^(?!v)/, 'v'),
  };
}

/** The version of the component in a static-pod manifest: its container image's tag. */
export function manifestVersion(manifest: string, component: string): KubeVersion | undefined {
  const m = new RegExp(`^\\s*image:\\s*\\S*${component}:(\\S+)`, 'm').exec(manifest);
  return parseKubeVersion(m?.[1]);
}

const atLeast = (v: KubeVersion, major: number, minor: number): boolean =>
  v.major > major || (v.major === major && v.minor >= minor);

/** What the version-dependent defaults are chosen by. */
export interface DefaultContext {
  readonly controllerManager?: KubeVersion;
  /** haproxy/keepalived defaults apply only where the target has such LBs. */
  readonly lb?: LbChecker;
  readonly vrrp?: boolean;
}

interface Default {
  readonly key: TimingKey;
  readonly value: number | string;
  readonly rule: string;
}

/**
 * --node-monitor-grace-period: 40 s up to v1.31, 50 s from v1.32 (kubernetes PR 126287,
 * pkg/controller/nodelifecycle/config/v1alpha1/defaults.go `RecommendedDefaultNodeLifecycleControllerConfiguration`).
 * An unknown version takes the current default and says so.
 */
export function graceDefault(v: KubeVersion | undefined): Default {
  const key = 'nodeMonitorGracePeriodS';
  if (!v)
    return { key, value: 50, rule: 'default since v1.32 (PR 126287); controller-manager version unknown' };
  return atLeast(v, 1, 32)
    ? { key, value: 50, rule: `default since v1.32 (PR 126287), controller-manager ${v.text}` }
    : { key, value: 40, rule: `default before v1.32, controller-manager ${v.text}` };
}

/** Defaults that do not depend on a version, with their upstream source. */
const KUBE: readonly Default[] = [
  {
    key: 'nodeMonitorPeriodS',
    value: 5,
    rule: '--node-monitor-period default 5s (KubeCloudSharedConfiguration, k8s.io/cloud-provider/config/v1alpha1/defaults.go)',
  },
  {
    key: 'nodeLeaseRenewIntervalS',
    value: 10,
    rule: 'kubelet nodeLeaseDurationSeconds default 40, renewed every 1/4 (pkg/kubelet/apis/config/v1beta1/defaults.go)',
  },
  {
    key: 'tolerationSeconds',
    value: 300,
    rule: 'DefaultTolerationSeconds admission plugin: 300 s (plugin/pkg/admission/defaulttolerationseconds)',
  },
  {
    key: 'masterLeaseTtlS',
    value: 15,
    rule: 'DefaultEndpointReconcilerTTL 15 s, a constant (pkg/controlplane/instance.go; no kube-apiserver flag)',
  },
  {
    key: 'endpointReconcileIntervalS',
    value: 10,
    rule: 'DefaultEndpointReconcilerInterval 10 s, a constant (pkg/controlplane/instance.go; no kube-apiserver flag)',
  },
  {
    key: 'leaseDurationS',
    value: 15,
    rule: '--leader-elect-lease-duration default 15s (component-base/config/v1alpha1/defaults.go)',
  },
  {
    key: 'retryPeriodS',
    value: 2,
    rule: '--leader-elect-retry-period default 2s (component-base/config/v1alpha1/defaults.go)',
  },
  {
    key: 'shutdownDelayS',
    value: 0,
    rule: 'kube-apiserver --shutdown-delay-duration default 0 (staging/src/k8s.io/apiserver/pkg/server/options/server_run_options.go; kubeadm sets none)',
  },
  { key: 'etcdHeartbeatMs', value: 100, rule: 'etcd --heartbeat-interval default 100 ms' },
  { key: 'etcdElectionMs', value: 1000, rule: 'etcd --election-timeout default 1000 ms' },
];

/** haproxy include/haproxy/defaults.h DEF_CHKINTR / DEF_FALLTIME / DEF_RISETIME. */
const HAPROXY: readonly Default[] = [
  {
    key: 'checkInterMs',
    value: 2000,
    rule: 'haproxy `inter` default 2s (DEF_CHKINTR, include/haproxy/defaults.h)',
  },
  { key: 'fall', value: 3, rule: 'haproxy `fall` default 3 (DEF_FALLTIME, include/haproxy/defaults.h)' },
  { key: 'rise', value: 2, rule: 'haproxy `rise` default 2 (DEF_RISETIME, include/haproxy/defaults.h)' },
];

/** keepalived keepalived/core/global_data.c and vrrp/vrrp_data.c defaults. */
const KEEPALIVED: readonly Default[] = [
  { key: 'advertIntS', value: 1, rule: 'keepalived `advert_int` default 1 s (VRRP_ADVER_DFL)' },
  {
    key: 'vrrpVersion',
    value: 2,
    rule: 'keepalived `vrrp_version` default 2 (keepalived/core/global_data.c)',
  },
  { key: 'priority', value: 100, rule: 'keepalived `priority` default 100 (VRRP_PRIO_DFL)' },
];

/** Every default that applies in this context. */
export function upstreamDefaults(c: DefaultContext = {}): readonly Default[] {
  return [
    graceDefault(c.controllerManager),
    ...KUBE,
    ...(c.lb === 'haproxy' ? HAPROXY : []),
    ...(c.vrrp ? KEEPALIVED : []),
  ];
}

/** The version-independent Kubernetes and etcd defaults as plain timings. */
export const KUBE_DEFAULTS: HaTimings = Object.fromEntries(KUBE.map((d) => [d.key, d.value])) as HaTimings;

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * Fills every input the timings leave unset with its upstream default and records its rule;
 * inputs already set keep their value and origin.
 */
export function withDefaults(t: TimingInputs, c: DefaultContext = {}): TimingInputs {
  const out: Record<string, unknown> = { ...t };
  const origins: Record<string, TimingOrigin> = { ...t.origins };
  for (const d of upstreamDefaults(c)) {
    if (isSet(out[d.key])) continue;
    out[d.key] = d.value;
    origins[d.key] = { kind: 'default', rule: d.rule };
  }
  return { ...(out as TimingInputs), origins };
}

/** Marks every set input as coming from `origin` (a file on a host, or the lab's preset). */
export function originsOf(t: TimingInputs, origin: TimingOrigin): TimingOrigins {
  const o: Record<string, TimingOrigin> = {};
  for (const [k, v] of Object.entries(t)) if (k !== 'origins' && isSet(v)) o[k] = origin;
  return o;
}

/** One source of inputs: read from `where` (configured), or with an origin of its own. */
export type TimingPart =
  | { readonly where?: string; readonly origin?: TimingOrigin; readonly timings: TimingInputs }
  | undefined;

/**
 * Merges the parts in order (an earlier part wins for an input both set); each input's origin is
 * its part's: `configured in <where>`, or the part's own origin. No origins without either.
 */
export function configured(parts: readonly TimingPart[]): TimingInputs {
  const out: Record<string, unknown> = {};
  const origins: Record<string, TimingOrigin> = {};
  for (const p of parts) {
    if (!p) continue;
    const origin =
      p.origin ?? (p.where === undefined ? undefined : { kind: 'configured' as const, where: p.where });
    for (const [k, v] of Object.entries(p.timings)) {
      if (k === 'origins' || !isSet(v) || isSet(out[k])) continue;
      out[k] = v;
      if (origin) origins[k] = origin;
    }
  }
  return Object.keys(origins).length > 0 ? { ...out, origins } : out;
}

/** One line per input: "nodeMonitorGracePeriodS 50: default since v1.32 (PR 126287), controller-manager v1.36.1". */
export function describeOrigins(t: TimingInputs): string[] {
  return Object.entries(t.origins ?? {}).map(([k, o]) => {
    const v = (t as Record<string, unknown>)[k];
    const why =
      o.kind === 'default' ? o.rule : o.kind === 'lab' ? `lab config ${o.where}` : `configured in ${o.where}`;
    return `${k} ${String(v)}: ${why}`;
  });
}
