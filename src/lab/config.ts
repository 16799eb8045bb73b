/**
 * Lab configuration: the address plan, the naming scheme and every timing knob of the lab's
 * components, as data. Two presets: `seeds` (the source articles' values, the lab default) and
 * `fast` (short timings for the test suite). Component flags are rendered from here, so a drill
 * can derive its expected windows from the same values the lab ran with.
 */
import path from 'node:path';
import { UserError } from '../util/errors.ts';
import { PROJECT_ROOT } from '../util/paths.ts';

export type PresetName = 'seeds' | 'fast';
export const PRESETS: readonly PresetName[] = ['seeds', 'fast'];

/**
 * `monitoring`: the lab's Prometheus and Alertmanager host, not part of the cluster. `etcd`: an
 * external etcd host (`lab up --etcd external`), not a Node.
 */
export type Role = 'control-plane' | 'etcd' | 'lb' | 'worker' | 'monitoring';

export interface LabHost {
  /** Short name: cp1, lb2, w1. */
  readonly name: string;
  readonly role: Role;
  /** Address on the lab bridge, in 198.18.0.0/24. */
  readonly ip: string;
  /** Network namespace name, `<prefix>-<name>`. */
  readonly netns: string;
  /** Host-side veth name (the namespace side is always `eth0`). */
  readonly veth: string;
}

export interface EtcdTimings {
  /** --heartbeat-interval, ms (etcd default 100; seeds 250). */
  readonly heartbeatMs: number;
  /** --election-timeout, ms (etcd default 1000; seeds 2500). */
  readonly electionMs: number;
}

export interface HaproxyTimings {
  /** `inter` of the server health check, ms (seeds: every 2 s). */
  readonly checkInterMs: number;
  /** `timeout check`, ms (seeds: 3 s). */
  readonly checkTimeoutMs: number;
  /** Consecutive failed checks before a server is marked down (seeds: fall 2). */
  readonly fall: number;
  /** Consecutive good checks before a server is marked up again. */
  readonly rise: number;
}

export interface KeepalivedTimings {
  /** VRRP advert_int, seconds (seeds: 1). A backup takes over after ~3 x advert_int + skew. */
  readonly advertIntS: number;
  /** `vrrp_script check_apiserver` interval, s (kubeadm HA guide: 3). */
  readonly checkIntervalS: number;
  /** Failed checks before the LB's priority drops by the script's weight (guide: fall 10). */
  readonly checkFall: number;
  /** Good checks before it is restored (guide: rise 2). */
  readonly checkRise: number;
  /**
   * `vrrp_script` timeout, s; unset (the guide's) means the interval (keepalived
   * keepalived/vrrp/vrrp_scheduler.c: `vscript->timeout ? vscript->timeout : vscript->interval`).
   */
  readonly checkTimeoutS?: number;
}

/**
 * How haproxy checks the apiservers:
 * - `readyz` (default): HTTPS `GET /readyz`, expect 200 (the lab brief's check; an apiserver that
 *   lost etcd or is shutting down leaves the rotation).
 * - `guide`: the kubeadm HA guide's backend verbatim (kubernetes/kubeadm docs/ha-considerations.md).
 *   Its `option ssl-hello-chk` comes after `option httpchk GET /healthz` and replaces it (haproxy
 *   src/tcpcheck.c proxy_parse_ssl_hello_chk_opt clears every earlier check option), so haproxy only
 *   checks that the server answers a TLS hello: an unready apiserver stays in the rotation.
 */
export type LbHealthCheck = 'readyz' | 'guide';
export const LB_HEALTH_CHECKS: readonly LbHealthCheck[] = ['readyz', 'guide'];

export interface LbOptions {
  readonly healthCheck: LbHealthCheck;
  /**
   * `on-marked-down shutdown-sessions`: close the sessions of a server haproxy marks down. Off by
   * default: neither the guide's haproxy nor kind's Envoy closes kept-alive connections on a failed
   * check, so a client keeps talking to the failed apiserver until the connection breaks.
   */
  readonly shutdownSessions: boolean;
}

export const DEFAULT_LB: LbOptions = { healthCheck: 'readyz', shutdownSessions: false };

export interface ApiserverTimings {
  /** --endpoint-reconciler-type=lease: master lease TTL, s (upstream 15). */
  readonly masterLeaseTtlS: number;
  /** Lease reconciler refresh interval, s (upstream 10). */
  readonly endpointReconcileIntervalS: number;
  /** Identity lease `kube-system/apiserver-<hash>` duration, s (upstream 3600). */
  readonly identityLeaseDurationS: number;
  /** Identity lease renew interval, s (upstream 10). */
  readonly identityLeaseRenewIntervalS: number;
  /** --shutdown-delay-duration, s (upstream 0). */
  readonly shutdownDelayS: number;
  /** --shutdown-send-retry-after (upstream false): after the delay, 429 + Retry-After until requests in flight drain. */
  readonly shutdownSendRetryAfter?: boolean;
  /** DefaultTolerationSeconds admission: --default-not-ready-toleration-seconds (300). */
  readonly defaultNotReadyTolerationS: number;
  /** DefaultTolerationSeconds admission: --default-unreachable-toleration-seconds (300). */
  readonly defaultUnreachableTolerationS: number;
}

export interface LeaderElectionTimings {
  /** --leader-elect-lease-duration, s (upstream 15). */
  readonly leaseDurationS: number;
  /** --leader-elect-renew-deadline, s (upstream 10). */
  readonly renewDeadlineS: number;
  /** --leader-elect-retry-period, s (upstream 2). */
  readonly retryPeriodS: number;
}

export interface NodeLifecycleTimings {
  /** --node-monitor-period, s (upstream 5). */
  readonly nodeMonitorPeriodS: number;
  /** --node-monitor-grace-period, s (upstream 40 until v1.31, 50 from v1.32; seeds 40). */
  readonly nodeMonitorGracePeriodS: number;
  /** --node-startup-grace-period, s (upstream 60). */
  readonly nodeStartupGracePeriodS: number;
}

export interface KubeletTimings {
  /** nodeLeaseDurationSeconds (upstream 40); the lease is renewed every 1/4 of it (10 s). */
  readonly nodeLeaseDurationS: number;
  /** nodeStatusUpdateFrequency, s (upstream 10). */
  readonly nodeStatusUpdateFrequencyS: number;
  /** How long a pod bound to this kubelet takes to turn Running/Ready, ms. */
  readonly podStartDelayMs: number;
  /**
   * Static pod restart back-off, s: the first restart is at once, then this, doubling up to
   * `crashBackoffMaxS` (upstream 10 and 300: pkg/kubelet/kubelet.go initialCrashLoopBackOff,
   * MaxContainerBackOff).
   */
  readonly crashBackoffInitialS: number;
  readonly crashBackoffMaxS: number;
}

/**
 * The monitoring host's Prometheus and Alertmanager (src/lab/monitoring.ts). Detection windows
 * are computed from what Prometheus and Alertmanager report they run with, not from these.
 */
export interface MonitoringTimings {
  /** Prometheus global scrape_interval / scrape_timeout / evaluation_interval, s. */
  readonly scrapeIntervalS: number;
  readonly scrapeTimeoutS: number;
  readonly evaluationIntervalS: number;
  /** Alertmanager root route group_wait / group_interval / repeat_interval, s. */
  readonly groupWaitS: number;
  readonly groupIntervalS: number;
  readonly repeatIntervalS: number;
  /**
   * Every rule's `for` (and `keep_firing_for`) capped at this many seconds when the lab loads
   * alerts/rules (absent: the rules as written).
   */
  readonly maxRuleForS?: number;
}

export interface LabTimings {
  readonly etcd: EtcdTimings;
  readonly haproxy: HaproxyTimings;
  readonly keepalived: KeepalivedTimings;
  readonly apiserver: ApiserverTimings;
  readonly leaderElection: LeaderElectionTimings;
  readonly nodeLifecycle: NodeLifecycleTimings;
  readonly kubelet: KubeletTimings;
  readonly monitoring: MonitoringTimings;
}

export interface LabConfig {
  readonly preset: PresetName;
  /** Prefix of every namespace and link the lab creates; leftovers are found by it. */
  readonly prefix: string;
  readonly workers: number;
  /** Directory for pid files, logs, data, certificates and kubeconfigs. */
  readonly stateDir: string;
  readonly bridge: string;
  /** Address of the bridge in the root namespace (the harness's side). */
  readonly hostIp: string;
  readonly prefixLength: number;
  readonly vip: string;
  readonly vrrpRouterId: number;
  readonly apiPort: number;
  readonly hosts: readonly LabHost[];
  readonly timings: LabTimings;
  /** Load-balancer options; absent in a lab.json saved before they existed (read with `lbOptions`). */
  readonly lb?: LbOptions;
}

/** The lab's load-balancer options, defaults filled in. */
export const lbOptions = (cfg: LabConfig): LbOptions => ({ ...DEFAULT_LB, ...cfg.lb });

/*
 * Each preset value with its source: "upstream" = the component's own default (file in BRIEF §5 or
 * the field's comment), "seed N" = /work/shared/seeds/00N_*.txt, "guide" = kubernetes/kubeadm
 * docs/ha-considerations.md, "speed" = our choice for the fast preset (reason given).
 */
const SEEDS: LabTimings = {
  // seed 0: --heartbeat-interval=250 --election-timeout=2500 (etcd's defaults are 100 / 1000)
  etcd: { heartbeatMs: 250, electionMs: 2500 },
  haproxy: {
    checkInterMs: 2000, // upstream: haproxy's default `inter` 2 s (the guide sets none)
    checkTimeoutMs: 3000, // seed 0: health check timeout 3 s (guide: timeout check 10s)
    fall: 2, // seed 0: failure threshold 2 (haproxy's default fall is 3)
    rise: 2, // upstream: haproxy's default rise 2
  },
  keepalived: {
    advertIntS: 1, // seed 2: advert_int 1 (keepalived's default; the guide sets none)
    checkIntervalS: 3, // guide: vrrp_script check_apiserver interval 3
    checkFall: 10, // guide: fall 10 (30 s of failed checks before the VIP moves)
    checkRise: 2, // guide: rise 2
  },
  apiserver: {
    masterLeaseTtlS: 15, // upstream: kube-apiserver's endpoint lease TTL 15 s
    endpointReconcileIntervalS: 10, // upstream: lease reconciler interval 10 s
    identityLeaseDurationS: 3600, // upstream
    identityLeaseRenewIntervalS: 10, // upstream
    shutdownDelayS: 0, // upstream: --shutdown-delay-duration 0 (kubeadm sets none)
    defaultNotReadyTolerationS: 300, // upstream: DefaultTolerationSeconds admission
    defaultUnreachableTolerationS: 300, // upstream: DefaultTolerationSeconds admission
  },
  // upstream 15 / 10 / 2 (component-base defaults); seeds 1 and 4 set the same values
  leaderElection: { leaseDurationS: 15, renewDeadlineS: 10, retryPeriodS: 2 },
  nodeLifecycle: {
    nodeMonitorPeriodS: 5, // upstream: --node-monitor-period 5 s
    nodeMonitorGracePeriodS: 40, // seed 0: node-monitor-grace-period=40s (upstream 50 s from v1.32)
    nodeStartupGracePeriodS: 60, // upstream
  },
  kubelet: {
    nodeLeaseDurationS: 40, // upstream: nodeLeaseDurationSeconds 40
    nodeStatusUpdateFrequencyS: 10, // upstream: nodeStatusUpdateFrequency 10 s
    podStartDelayMs: 1000, // ours: how long the lab kubelet's emulated container takes to start
    crashBackoffInitialS: 10, // upstream: initialCrashLoopBackOff 10 s
    crashBackoffMaxS: 300, // upstream: MaxContainerBackOff 5 min
  },
  // kube-prometheus: the prometheus-operator's default scrape and evaluation interval 30 s
  // (scrape_timeout Prometheus' default 10 s), its alertmanager.yaml's route (group_wait 30s,
  // group_interval 5m, repeat_interval 12h); the rules' `for` as written (APIServerDown 5m).
  monitoring: {
    scrapeIntervalS: 30,
    scrapeTimeoutS: 10,
    evaluationIntervalS: 30,
    groupWaitS: 30,
    groupIntervalS: 300,
    repeatIntervalS: 43_200,
  },
};

/** speed: every drill and the lab test suite in minutes, with the seeds' proportions kept. */
const FAST: LabTimings = {
  etcd: { heartbeatMs: 100, electionMs: 1000 }, // upstream: etcd's own defaults
  // speed: failover in <= fall x (inter + timeout) = 4 s instead of 10 s
  haproxy: { checkInterMs: 1000, checkTimeoutMs: 1000, fall: 2, rise: 1 },
  // advert_int 1 as the seeds (keepalived's minimum whole second); speed: the track script
  // fails after 2 x 1 s instead of the guide's 10 x 3 s (the lab suite's haproxy-kill test waits 10 s)
  // checkTimeoutS: with a 1 s interval keepalived's default script timeout is 1 s, which the
  // guide's script (two curls of up to 2 s) overran on a loaded machine: lb1 lost the VIP right
  // after lab up. 4 s is the script's own limit (the guide's 3 s interval nearly gives it that).
  keepalived: { advertIntS: 1, checkIntervalS: 1, checkFall: 2, checkRise: 1, checkTimeoutS: 4 },
  apiserver: {
    masterLeaseTtlS: 4, // speed: endpoint removal within 6 s; TTL > 1.5 x interval as upstream's 15 / 10
    endpointReconcileIntervalS: 2,
    identityLeaseDurationS: 3600, // upstream
    identityLeaseRenewIntervalS: 10, // upstream
    shutdownDelayS: 0, // upstream
    defaultNotReadyTolerationS: 300, // upstream (drills pass a shorter toleration on their workload)
    defaultUnreachableTolerationS: 300, // upstream
  },
  // speed: re-election in ~6-8 s; client-go's invariants (lease > deadline > 1.2 x retry) kept
  leaderElection: { leaseDurationS: 6, renewDeadlineS: 4, retryPeriodS: 1 },
  // speed: NotReady after 8 s; grace = lease duration, period << grace, as upstream's 5 / 40 / 40
  nodeLifecycle: { nodeMonitorPeriodS: 1, nodeMonitorGracePeriodS: 8, nodeStartupGracePeriodS: 20 },
  // speed: lease renewed every 2 s (1/4 of 8, as upstream's 10 of 40)
  // speed: a crashed static pod is back within 1 s, at most 10 s (upstream 10 s doubling to 5 min)
  kubelet: {
    nodeLeaseDurationS: 8,
    nodeStatusUpdateFrequencyS: 2,
    podStartDelayMs: 300,
    crashBackoffInitialS: 1,
    crashBackoffMaxS: 10,
  },
  // speed: an alert fires within seconds of its condition: 1 s scrapes and evaluations, every
  // `for` capped at 3 s, the first notification 1 s after the alert reached Alertmanager.
  monitoring: {
    scrapeIntervalS: 1,
    scrapeTimeoutS: 1,
    evaluationIntervalS: 1,
    groupWaitS: 1,
    groupIntervalS: 2,
    repeatIntervalS: 3600,
    maxRuleForS: 3,
  },
};

export const PRESET_TIMINGS: Readonly<Record<PresetName, LabTimings>> = { seeds: SEEDS, fast: FAST };

export const DEFAULT_PREFIX = 'hadr';
export const MAX_WORKERS = 3;
/**
 * Stacked etcd members, one per control plane: 3 (tolerates one failure) or 5 (two), the sizes
 * etcd recommends: an odd number; five survive two failures; an even one adds no tolerance
 * (https://etcd.io/docs/v3.4/faq/ "What is maximum cluster size?", "Why an odd number of
 * cluster members?").
 */
export const ETCD_MEMBER_COUNTS = [3, 5] as const;

/**
 * Where etcd runs: `stacked` (kubeadm's default, a member on every control plane, each apiserver
 * on its local member) or `external` (the members on hosts of their own, e1..eN at
 * 198.18.0.41+, run by a standalone kubelet from static pods, and every apiserver given all of
 * them in --etcd-servers): kubernetes/website content/en/docs/setup/production-environment/tools/
 * kubeadm/ha-topology.md and setup-ha-etcd-with-kubeadm.md.
 */
export const ETCD_TOPOLOGIES = ['stacked', 'external'] as const;
export type EtcdTopology = (typeof ETCD_TOPOLOGIES)[number];

/** The project root (two levels above this file). */

export function defaultStateDir(): string {
  return process.env.HADRILL_LAB_DIR ?? path.join(PROJECT_ROOT, '.lab');
}

export interface LabOptions {
  readonly preset?: PresetName;
  readonly workers?: number;
  /** etcd members (`--etcd-members`, default 3): control planes when stacked, etcd hosts when external. */
  readonly etcdMembers?: number;
  /** `--etcd stacked|external` (default stacked). */
  readonly etcd?: EtcdTopology;
  /**
   * API load balancers (`--lbs`, default 2): two are the kubeadm HA guide's haproxy + keepalived
   * pair sharing the VIP by VRRP; one is haproxy alone holding the VIP as its own address (a
   * single point of failure, as kind's one LB container).
   */
  readonly lbs?: number;
  readonly prefix?: string;
  readonly stateDir?: string;
  /** Load-balancer options (defaults: DEFAULT_LB). */
  readonly lb?: Partial<LbOptions>;
  /** kube-apiserver --shutdown-delay-duration, s, in place of the preset's (upstream 0). */
  readonly apiserverShutdownDelayS?: number;
  /** kube-apiserver --shutdown-send-retry-after (upstream false). */
  readonly apiserverShutdownSendRetryAfter?: boolean;
}

function lbFrom(o: Partial<LbOptions> | undefined): LbOptions {
  const lb = { ...DEFAULT_LB, ...o };
  if (!LB_HEALTH_CHECKS.includes(lb.healthCheck)) {
    throw new UserError(
      `unknown LB health check '${String(lb.healthCheck)}': use one of ${LB_HEALTH_CHECKS.join(', ')}`,
    );
  }
  if (typeof lb.shutdownSessions !== 'boolean') {
    throw new UserError(
      `LB option shutdownSessions must be true or false (got ${JSON.stringify(lb.shutdownSessions)})`,
    );
  }
  return lb;
}

function withShutdown(
  t: LabTimings,
  delayS: number | undefined,
  retryAfter: boolean | undefined,
): LabTimings {
  if (delayS !== undefined && (!Number.isFinite(delayS) || delayS < 0 || delayS > 600))
    throw new UserError(`the apiserver shutdown delay must be from 0 to 10m (got ${delayS} s)`);
  if (delayS === undefined && !retryAfter) return t;
  return {
    ...t,
    apiserver: {
      ...t.apiserver,
      ...(delayS !== undefined ? { shutdownDelayS: delayS } : {}),
      ...(retryAfter ? { shutdownSendRetryAfter: true } : {}),
    },
  };
}

/** Builds the full lab config; throws a UserError-style message on bad options. */
export function labConfig(opts: LabOptions = {}): LabConfig {
  const preset = opts.preset ?? 'seeds';
  if (!PRESETS.includes(preset)) {
    throw new UserError(`unknown lab preset '${String(preset)}': use one of ${PRESETS.join(', ')}`);
  }
  const workers = opts.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new UserError(`--workers must be a whole number from 1 to ${MAX_WORKERS} (got ${String(workers)})`);
  }
  const members = opts.etcdMembers ?? 3;
  if (!(ETCD_MEMBER_COUNTS as readonly number[]).includes(members)) {
    throw new UserError(
      `--etcd-members must be ${ETCD_MEMBER_COUNTS.join(' or ')} (an odd number of etcd members; got ${String(members)})`,
    );
  }
  const topology = opts.etcd ?? 'stacked';
  if (!(ETCD_TOPOLOGIES as readonly string[]).includes(topology)) {
    throw new UserError(`--etcd must be ${ETCD_TOPOLOGIES.join(' or ')} (got ${String(topology)})`);
  }
  const lbCount = opts.lbs ?? 2;
  if (lbCount !== 1 && lbCount !== 2) {
    throw new UserError(
      `--lbs must be 1 (haproxy alone, a single point of failure) or 2 (the guide's haproxy + keepalived pair; got ${String(lbCount)})`,
    );
  }
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  if (!/^[a-z][a-z0-9]{1,5}$/.test(prefix)) {
    throw new UserError(
      `lab prefix '${prefix}' must be 2-6 lowercase letters or digits, starting with a letter`,
    );
  }
  const host = (name: string, role: Role, ip: string): LabHost => ({
    name,
    role,
    ip,
    netns: `${prefix}-${name}`,
    veth: `${prefix}-${name}`,
  });
  const hosts: LabHost[] = [];
  // Stacked: a control plane per member. External: three control planes, and the members on e1..eN.
  const cps = topology === 'stacked' ? members : 3;
  for (let i = 1; i <= cps; i++) hosts.push(host(`cp${i}`, 'control-plane', `198.18.0.${10 + i}`));
  if (topology === 'external')
    for (let i = 1; i <= members; i++) hosts.push(host(`e${i}`, 'etcd', `198.18.0.${40 + i}`));
  hosts.push(host('lb1', 'lb', '198.18.0.21'));
  if (lbCount === 2) hosts.push(host('lb2', 'lb', '198.18.0.22'));
  for (let i = 1; i <= workers; i++) hosts.push(host(`w${i}`, 'worker', `198.18.0.${30 + i}`));
  hosts.push(host('mon1', 'monitoring', '198.18.0.51'));
  return {
    preset,
    prefix,
    workers,
    stateDir: opts.stateDir ?? defaultStateDir(),
    bridge: `${prefix}-br0`,
    hostIp: '198.18.0.1',
    prefixLength: 24,
    vip: '198.18.0.10',
    vrrpRouterId: 51,
    apiPort: 6443,
    hosts,
    timings: withShutdown(
      PRESET_TIMINGS[preset],
      opts.apiserverShutdownDelayS,
      opts.apiserverShutdownSendRetryAfter,
    ),
    lb: lbFrom(opts.lb),
  };
}

/**
 * Where a lab host's own node paths (/etc/kubernetes, /var/lib/etcd, ...) live on the machine;
 * src/lab/host.ts bind-mounts them into the host.
 */
export const hostRoot = (stateDir: string, host: string): string => path.join(stateDir, host, 'root');

/**
 * The admin kubeconfig: `kubeadm init`'s /etc/kubernetes/admin.conf of the first control plane
 * (server = the VIP, the API through the load balancers; credentials embedded).
 */
export const labKubeconfigPath = (cfg: LabConfig): string =>
  path.join(hostRoot(cfg.stateDir, hostsByRole(cfg, 'control-plane')[0]!.name), 'etc/kubernetes/admin.conf');

export const hostsByRole = (cfg: LabConfig, role: Role): LabHost[] =>
  cfg.hosts.filter((h) => h.role === role);

/**
 * The LBs share the VIP by VRRP (keepalived) when there are two; a single LB holds it as an
 * address of its own (keepalived needs a peer to advertise to in unicast mode: keepalived.conf(5)
 * `unicast_peer`, "It is not possible to operate in unicast mode without any peers").
 */
export const vrrpPair = (cfg: LabConfig): boolean => hostsByRole(cfg, 'lb').length > 1;

/**
 * The hosts of the etcd members: the etcd hosts when there are (external), else the control
 * planes (stacked).
 */
export function etcdHosts(cfg: LabConfig): LabHost[] {
  const external = hostsByRole(cfg, 'etcd');
  return external.length > 0 ? external : hostsByRole(cfg, 'control-plane');
}

export const etcdTopology = (cfg: LabConfig): EtcdTopology =>
  hostsByRole(cfg, 'etcd').length > 0 ? 'external' : 'stacked';

/** A cluster host's roles in a target topology or inventory: a stacked control plane is an etcd host too. */
export const clusterRoles = (cfg: LabConfig, h: LabHost): ('control-plane' | 'etcd' | 'lb' | 'worker')[] =>
  h.role === 'control-plane'
    ? etcdTopology(cfg) === 'stacked'
      ? ['control-plane', 'etcd']
      : ['control-plane']
    : h.role === 'monitoring'
      ? []
      : [h.role];

/** A Kubernetes Node (a kubelet registered with the API): a control plane or a worker. */
export const isNode = (h: LabHost): boolean => h.role === 'control-plane' || h.role === 'worker';

/** Hosts that are Kubernetes Nodes. */
export const nodeHosts = (cfg: LabConfig): LabHost[] => cfg.hosts.filter(isNode);

/** The cluster's hosts: every lab host but the monitoring host. */
export const clusterHosts = (cfg: LabConfig): LabHost[] => cfg.hosts.filter((h) => h.role !== 'monitoring');

export function hostByName(cfg: LabConfig, name: string): LabHost {
  const h = cfg.hosts.find((x) => x.name === name);
  if (!h) throw new UserError(`no lab host '${name}': hosts are ${cfg.hosts.map((x) => x.name).join(', ')}`);
  return h;
}
