/**
 * Timing configuration of a kubeadm cluster, parsed from what is on its hosts (pure functions):
 * component flags (`--name=value`, in a static-pod manifest's command list or a process command
 * line), the kubelet's KubeletConfiguration (or its flags), haproxy's server check parameters and
 * keepalived's VRRP settings. `readTimings` gathers the texts through the target's executor.
 */
import YAML from 'yaml';
import type { Executor } from '../executors/types.ts';
import { parseDuration as parseGoDuration } from '../kube/runtime/duration.ts';
import {
  configured,
  type DefaultContext,
  type HaTimings,
  KUBE_DEFAULTS,
  type KubeVersion,
  manifestVersion,
  type TimingInputs,
  withDefaults,
} from './defaults.ts';
import type { TimingSource } from './inventory.ts';
import { fillTemplate } from './kubeadm-profile.ts';

/** `--flag=value` pairs from any text: manifest command lists, `/proc/<pid>/cmdline`, unit files. */
export function parseFlags(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/(?:^|[\s"'\0[,])--([a-z0-9][a-z0-9-]*)=([^\s"'\0,\]]*)/g)) {
    out.set(m[1]!, m[2]!);
  }
  return out;
}

/**
 * A component's duration flag in seconds, read as the component reads it (Go's time.ParseDuration,
 * src/kube/runtime/duration.ts): undefined when absent or not a duration the component would accept.
 */
export function parseDuration(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    return parseGoDuration(v) / 1000;
  } catch {
    return undefined;
  }
}

const num = (v: string | undefined): number | undefined =>
  v !== undefined && /^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;

export function controllerManagerTimings(text: string): HaTimings {
  const f = parseFlags(text);
  return {
    nodeMonitorGracePeriodS: parseDuration(f.get('node-monitor-grace-period')),
    nodeMonitorPeriodS: parseDuration(f.get('node-monitor-period')),
    leaseDurationS: parseDuration(f.get('leader-elect-lease-duration')),
    retryPeriodS: parseDuration(f.get('leader-elect-retry-period')),
  };
}

export function apiserverTimings(text: string): HaTimings {
  const f = parseFlags(text);
  return {
    masterLeaseTtlS: parseDuration(f.get('master-lease-ttl')),
    endpointReconcileIntervalS: parseDuration(f.get('endpoint-reconciler-interval')),
    tolerationSeconds: num(f.get('default-unreachable-toleration-seconds')),
    shutdownDelayS: parseDuration(f.get('shutdown-delay-duration')),
  };
}

export function etcdTimings(text: string): HaTimings {
  const f = parseFlags(text);
  return {
    etcdHeartbeatMs: num(f.get('heartbeat-interval')),
    etcdElectionMs: num(f.get('election-timeout')),
  };
}

/** KubeletConfiguration YAML, or kubelet flags: the node Lease is renewed every 1/4 of its duration. */
export function kubeletTimings(text: string): HaTimings {
  let lease: number | undefined;
  if (/kind:\s*KubeletConfiguration/.test(text)) {
    const doc = YAML.parse(text) as Record<string, unknown> | null;
    const v = doc?.nodeLeaseDurationSeconds;
    lease = typeof v === 'number' ? v : undefined;
  } else {
    lease = num(parseFlags(text).get('node-lease-duration-seconds'));
  }
  return { nodeLeaseRenewIntervalS: lease === undefined ? undefined : lease / 4 };
}

const msOf = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const s = parseDuration(v);
  return s === undefined ? undefined : s * 1000;
};

/** haproxy server/default-server `inter`/`fall` (ms unless suffixed) and `timeout check`. */
export function haproxyTimings(text: string): HaTimings {
  const d = haproxyDirectives(text);
  return { checkInterMs: d.inter, fall: d.fall, checkTimeoutMs: d.timeoutCheck };
}

/**
 * What else bounds a haproxy check (src/check.c, src/tcpcheck.c): `fastinter` (the interval while
 * a server is transitioning, unset = inter), `timeout connect`, `rise`.
 */
export function haproxyCheckDetails(text: string): TimingInputs {
  const d = haproxyDirectives(text);
  return {
    checkFastinterMs: d.fastinter,
    checkConnectTimeoutMs: d.timeoutConnect,
    rise: d.rise,
    lbChecker: 'haproxy',
  };
}

function haproxyDirectives(text: string) {
  const lines = text.split('\n').map((l) => l.replace(/#.*/, '').trim());
  const d: Partial<
    Record<'inter' | 'fall' | 'rise' | 'fastinter' | 'timeoutCheck' | 'timeoutConnect', number>
  > = {};
  for (const l of lines) {
    if (/^(server|default-server)\s/.test(l)) {
      d.inter ??= msOf(/\binter\s+(\S+)/.exec(l)?.[1]);
      d.fastinter ??= msOf(/\bfastinter\s+(\S+)/.exec(l)?.[1]);
      d.fall ??= num(/\bfall\s+(\S+)/.exec(l)?.[1]);
      d.rise ??= num(/\brise\s+(\S+)/.exec(l)?.[1]);
    }
    d.timeoutCheck ??= msOf(/^timeout\s+check\s+(\S+)/.exec(l)?.[1]);
    d.timeoutConnect ??= msOf(/^timeout\s+connect\s+(\S+)/.exec(l)?.[1]);
  }
  return d;
}

/** The body of each `name { ... }` block (braces nested). */
function blocks(text: string, head: RegExp): { name: string; body: string }[] {
  const out: { name: string; body: string }[] = [];
  for (const m of text.matchAll(new RegExp(`${head.source}\\s+(\\S+)\\s*\\{`, 'g'))) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) depth += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0;
    out.push({ name: m[1]!, body: text.slice(start, i - 1) });
  }
  return out;
}

/**
 * keepalived's effective priority of a healthy instance (keepalived/vrrp/vrrp_track.c
 * process_script_update_priority, vrrp_set_effective_priority): the base priority plus the weight of
 * each tracked script that passes with a positive weight (a negative weight counts only while the
 * script fails), clamped to [1, 254]; an address owner (255) keeps 255.
 */
export function effectivePriority(conf: string): number | undefined {
  const text = conf.replace(/[#!].*/g, '');
  const inst = blocks(text, /vrrp_instance/)[0]?.body;
  const base = num(/^\s*priority\s+(\d+)/m.exec(inst ?? '')?.[1]);
  if (inst === undefined || base === undefined) return undefined;
  if (base === 255) return 255;
  const weights = new Map(
    blocks(text, /vrrp_script/).map((b) => [b.name, Number(/^\s*weight\s+(-?\d+)/m.exec(b.body)?.[1] ?? 0)]),
  );
  let total = base;
  const tracked = /track_script\s*\{([^}]*)\}/.exec(inst)?.[1] ?? '';
  for (const line of tracked
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const m = /^(\S+)(?:\s+weight\s+(-?\d+))?/.exec(line)!;
    const weight = m[2] !== undefined ? Number(m[2]) : (weights.get(m[1]!) ?? 0);
    if (weight > 0) total += weight;
  }
  return Math.min(254, Math.max(1, total));
}

/**
 * keepalived configs of the LB hosts: advert_int, the effective priority of the backup that takes
 * over (the second highest), and `vrrp_version` when set (global_defs or the instance's `version`).
 */
export function keepalivedTimings(texts: readonly string[]): TimingInputs {
  const prios: number[] = [];
  let advert: number | undefined;
  let version: 2 | 3 | undefined;
  for (const t of texts) {
    const p = effectivePriority(t) ?? num(/^\s*priority\s+(\d+)/m.exec(t)?.[1]);
    if (p !== undefined) prios.push(p);
    advert ??= num(/^\s*advert_int\s+(\d+(?:\.\d+)?)/m.exec(t)?.[1]);
    const v = /^\s*(?:vrrp_version|version)\s+([23])\b/m.exec(t)?.[1];
    version ??= v === undefined ? undefined : (Number(v) as 2 | 3);
  }
  prios.sort((a, b) => b - a);
  return { advertIntS: advert, priority: prios.length > 1 ? prios[1] : prios[0], vrrpVersion: version };
}

/** Later sources fill what earlier ones left undefined. */
export const mergeTimings = (...parts: readonly TimingInputs[]): TimingInputs =>
  configured(parts.map((timings) => ({ timings }))) as TimingInputs;

/** Default commands printing each source on a kubeadm host. */
export const KUBEADM_SOURCES: Readonly<Record<TimingSource, string>> = {
  controllerManager: 'cat /etc/kubernetes/manifests/kube-controller-manager.yaml',
  apiserver: 'cat /etc/kubernetes/manifests/kube-apiserver.yaml',
  etcd: 'cat /etc/kubernetes/manifests/etcd.yaml',
  kubelet: 'cat /var/lib/kubelet/config.yaml',
  haproxy: 'cat /etc/haproxy/haproxy.cfg',
  keepalived: 'cat /etc/keepalived/keepalived.conf',
};

export interface TimingHosts {
  readonly controlPlane?: string;
  readonly etcd?: string;
  readonly worker?: string;
  readonly lbs: readonly string[];
}

const notUpstream = (t: HaTimings): HaTimings =>
  Object.fromEntries(Object.entries(t).filter(([k, v]) => KUBE_DEFAULTS[k as keyof HaTimings] !== v));

/** Where a source was read: its file when the command is a plain `cat`, else the command. */
const whereOf = (script: string, host: string): string =>
  `${/^cat\s+(\S+)$/.exec(script.trim())?.[1] ?? script} on ${host}`;

export interface ReadTimings {
  /** Every input, configured or defaulted, with `origins` saying which. */
  readonly timings: TimingInputs;
  /** Sources that could not be read. */
  readonly missing: string[];
  /** The controller-manager's version (its manifest's image tag), when known. */
  readonly controllerManager?: KubeVersion;
}

/**
 * Reads every source it can (a missing file leaves its fields undefined), merges them and fills
 * every input still unset with its upstream default, chosen by the controller-manager's version
 * (src/targets/defaults.ts); haproxy and keepalived defaults only where the target has LB hosts.
 */
export async function readTimings(
  ex: Executor,
  hosts: TimingHosts,
  sources: Partial<Record<TimingSource, string>> = {},
  /** Values the target knows better than the upstream defaults (applied after what was read). */
  fallback: HaTimings = {},
): Promise<ReadTimings> {
  const src = { ...KUBEADM_SOURCES, ...sources };
  const missing: string[] = [];
  const read = async (
    what: TimingSource,
    host: string | undefined,
  ): Promise<{ text: string; where: string } | undefined> => {
    if (!host) return undefined;
    const script = fillTemplate(src[what], { host }, `timingSources.${what}`);
    const r = await ex.exec(host, ['sh', '-c', script], { timeoutMs: 15_000 }).catch(() => undefined);
    if (r?.code !== 0) {
      missing.push(`${what} on ${host}`);
      return undefined;
    }
    return { text: r.stdout, where: whereOf(script, host) };
  };
  const [cm, api, etcd, kubelet, haproxy, ...keepalived] = await Promise.all([
    read('controllerManager', hosts.controlPlane),
    read('apiserver', hosts.controlPlane),
    read('etcd', hosts.etcd ?? hosts.controlPlane),
    read('kubelet', hosts.worker),
    read('haproxy', hosts.lbs[0]),
    ...hosts.lbs.map((h) => read('keepalived', h)),
  ]);
  const kas = keepalived.filter((k) => k !== undefined);
  const parsed = configured([
    cm && { where: cm.where, timings: controllerManagerTimings(cm.text) },
    api && { where: api.where, timings: apiserverTimings(api.text) },
    etcd && { where: etcd.where, timings: etcdTimings(etcd.text) },
    kubelet && { where: kubelet.where, timings: kubeletTimings(kubelet.text) },
    haproxy && {
      where: haproxy.where,
      timings: { ...haproxyTimings(haproxy.text), ...haproxyCheckDetails(haproxy.text) },
    },
    kas.length > 0
      ? { where: kas.map((k) => k.where).join(', '), timings: keepalivedTimings(kas.map((k) => k.text)) }
      : undefined,
    // The target's own values; where one is the upstream default, the default's rule says why.
    { origin: { kind: 'default', rule: "the target's own default" }, timings: notUpstream(fallback) },
  ]);
  const controllerManager = cm && manifestVersion(cm.text, 'kube-controller-manager');
  const ctx: DefaultContext = {
    controllerManager,
    ...(hosts.lbs.length > 0 ? { lb: 'haproxy' as const, vrrp: true } : {}),
  };
  const timings = withDefaults(parsed, ctx);
  return { timings, missing, ...(controllerManager ? { controllerManager } : {}) };
}

/** kind's Envoy LB (v0.32+): the cluster health check's interval, timeout and unhealthy threshold. */
export function envoyTimings(text: string): HaTimings {
  const hc = envoyHealthCheck(text);
  return { checkInterMs: msOfGo(hc?.interval), checkTimeoutMs: msOfGo(hc?.timeout), fall: hc?.fall };
}

/**
 * The Envoy check's interval while a host is failing: `unhealthy_edge_interval`, default
 * `unhealthy_interval`, default `interval` (source/extensions/health_checkers/common/health_checker_base_impl.cc).
 */
export function envoyCheckDetails(text: string): TimingInputs {
  const hc = envoyHealthCheck(text);
  if (!hc) return {};
  const fast = msOfGo(hc.unhealthy_edge_interval) ?? msOfGo(hc.unhealthy_interval) ?? msOfGo(hc.interval);
  return { checkFastinterMs: fast, lbChecker: 'envoy' };
}

const msOfGo = (v: unknown) => {
  const s = typeof v === 'string' ? parseDuration(v) : undefined;
  return s === undefined ? undefined : s * 1000;
};

function envoyHealthCheck(text: string): (Record<string, unknown> & { fall?: number }) | undefined {
  const checks: Record<string, unknown>[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (Array.isArray(o.health_checks)) checks.push(...(o.health_checks as Record<string, unknown>[]));
      Object.values(o).forEach(walk);
    }
  };
  walk(YAML.parseAllDocuments(text).map((d) => d.toJS() as unknown));
  const hc = checks[0];
  if (!hc) return undefined;
  return { ...hc, fall: typeof hc.unhealthy_threshold === 'number' ? hc.unhealthy_threshold : undefined };
}
