/**
 * Timing configuration of a kubeadm cluster, parsed from what is on its hosts (pure functions):
 * component flags (`--name=value`, in a static-pod manifest's command list or a process command
 * line), the kubelet's KubeletConfiguration (or its flags), haproxy's server check parameters and
 * keepalived's VRRP settings. `readTimings` gathers the texts through the target's executor.
 */
import YAML from 'yaml';
import type { Executor } from '../executors/types.ts';
import { parseDuration as parseGoDuration } from '../kube/runtime/duration.ts';
import type { TimingSource } from './inventory.ts';
import { fillTemplate } from './kubeadm-profile.ts';
import type { HaTimings } from './types.ts';

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

/** haproxy server/default-server `inter`/`fall` (ms unless suffixed) and `timeout check`. */
export function haproxyTimings(text: string): HaTimings {
  const lines = text.split('\n').map((l) => l.replace(/#.*/, '').trim());
  const ms = (v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (/^\d+$/.test(v)) return Number(v);
    const s = parseDuration(v);
    return s === undefined ? undefined : s * 1000;
  };
  let inter: number | undefined;
  let fall: number | undefined;
  let timeout: number | undefined;
  for (const l of lines) {
    if (/^(server|default-server)\s/.test(l)) {
      inter ??= ms(/\binter\s+(\S+)/.exec(l)?.[1]);
      fall ??= num(/\bfall\s+(\S+)/.exec(l)?.[1]);
    }
    const t = /^timeout\s+check\s+(\S+)/.exec(l);
    if (t) timeout ??= ms(t[1]);
  }
  return { checkInterMs: inter, fall, checkTimeoutMs: timeout };
}

/** keepalived configs of the LB hosts: advert_int, and the priority of the backup that takes over. */
export function keepalivedTimings(texts: readonly string[]): HaTimings {
  const prios: number[] = [];
  let advert: number | undefined;
  for (const t of texts) {
    const p = num(/^\s*priority\s+(\d+)/m.exec(t)?.[1]);
    if (p !== undefined) prios.push(p);
    advert ??= num(/^\s*advert_int\s+(\d+(?:\.\d+)?)/m.exec(t)?.[1]);
  }
  prios.sort((a, b) => b - a);
  return { advertIntS: advert, priority: prios.length > 1 ? prios[1] : prios[0] };
}

/** Later sources fill what earlier ones left undefined. */
export function mergeTimings(...parts: readonly HaTimings[]): HaTimings {
  const out: Record<string, number> = {};
  for (const p of parts) {
    for (const [k, v] of Object.entries(p)) if (typeof v === 'number' && out[k] === undefined) out[k] = v;
  }
  return out as HaTimings;
}

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

/** Reads every source it can (a missing file leaves its fields undefined) and merges them. */
export async function readTimings(
  ex: Executor,
  hosts: TimingHosts,
  sources: Partial<Record<TimingSource, string>> = {},
  /** Values every target shares unless the sources say otherwise (upstream defaults). */
  fallback: HaTimings = {},
): Promise<{ timings: HaTimings; missing: string[] }> {
  const src = { ...KUBEADM_SOURCES, ...sources };
  const missing: string[] = [];
  const read = async (what: TimingSource, host: string | undefined): Promise<string | undefined> => {
    if (!host) return undefined;
    const script = fillTemplate(src[what], { host }, `timingSources.${what}`);
    const r = await ex.exec(host, ['sh', '-c', script], { timeoutMs: 15_000 }).catch(() => undefined);
    if (r?.code !== 0) {
      missing.push(`${what} on ${host}`);
      return undefined;
    }
    return r.stdout;
  };
  const [cm, api, etcd, kubelet, haproxy, ...keepalived] = await Promise.all([
    read('controllerManager', hosts.controlPlane),
    read('apiserver', hosts.controlPlane),
    read('etcd', hosts.etcd ?? hosts.controlPlane),
    read('kubelet', hosts.worker),
    read('haproxy', hosts.lbs[0]),
    ...hosts.lbs.map((h) => read('keepalived', h)),
  ]);
  const timings = mergeTimings(
    cm === undefined ? {} : controllerManagerTimings(cm),
    api === undefined ? {} : apiserverTimings(api),
    etcd === undefined ? {} : etcdTimings(etcd),
    kubelet === undefined ? {} : kubeletTimings(kubelet),
    haproxy === undefined ? {} : haproxyTimings(haproxy),
    keepalivedTimings(keepalived.filter((t): t is string => t !== undefined)),
    fallback,
  );
  return { timings, missing };
}

/** kind's Envoy LB (v0.32+): the cluster health check's interval, timeout and unhealthy threshold. */
export function envoyTimings(text: string): HaTimings {
  const doc = YAML.parseAllDocuments(text).map((d) => d.toJS() as unknown);
  const checks: Record<string, unknown>[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (Array.isArray(o.health_checks)) checks.push(...(o.health_checks as Record<string, unknown>[]));
      Object.values(o).forEach(walk);
    }
  };
  walk(doc);
  const hc = checks[0];
  const ms = (v: unknown) => {
    const s = typeof v === 'string' ? parseDuration(v) : undefined;
    return s === undefined ? undefined : s * 1000;
  };
  return {
    checkInterMs: ms(hc?.interval),
    checkTimeoutMs: ms(hc?.timeout),
    fall: typeof hc?.unhealthy_threshold === 'number' ? hc.unhealthy_threshold : undefined,
  };
}
