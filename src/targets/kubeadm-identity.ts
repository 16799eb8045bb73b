/**
 * A kubeadm node's identity, read from its static-pod manifests (the only place kubeadm writes
 * it): the apiserver's `--advertise-address` and `--secure-port` (the IP it puts in the
 * `kubernetes` Endpoints), etcd's `--name`, `--advertise-client-urls`,
 * `--initial-advertise-peer-urls` and `--data-dir` (kubernetes/kubernetes
 * cmd/kubeadm/app/phases/controlplane/manifests.go getAPIServerCommand, and
 * cmd/kubeadm/app/phases/etcd/local.go getEtcdCommand). The inventory's address is only how ssh
 * reaches the host; on a multi-NIC node it is not the cluster's address.
 */
import YAML from 'yaml';
import type { Executor } from '../executors/types.ts';
import { MANIFEST_DIR, PARKED_DIR } from './kubeadm-static-pod.ts';

export interface ApiserverIdentity {
  readonly ip: string;
  readonly port: number;
}

export interface EtcdIdentity {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  /** Where the member's metrics are read on its host (`--listen-metrics-urls`, first http URL; a wildcard address as 127.0.0.1), if it has a metrics listener. */
  readonly metricsUrl?: string;
}

export interface NodeIdentity {
  readonly apiserver?: ApiserverIdentity;
  readonly etcd?: EtcdIdentity;
}

interface PodManifest {
  spec?: { containers?: { name?: string; command?: unknown; args?: unknown }[] };
}

/** `--name=value` flags of the manifest's container `container` (command and args, as kubeadm writes them). */
export function manifestFlags(text: string, file: string, container: string): Map<string, string> {
  let pod: PodManifest | null;
  try {
    pod = YAML.parse(text) as PodManifest | null;
  } catch (err) {
    throw new Error(`${file} is not YAML: ${(err as Error).message}`);
  }
  const c = pod?.spec?.containers?.find((x) => x.name === container) ?? pod?.spec?.containers?.[0];
  if (!c) throw new Error(`${file}: no container in spec.containers`);
  const words = [c.command, c.args].flatMap((v) => (Array.isArray(v) ? v.map(String) : []));
  const flags = new Map<string, string>();
  for (const w of words) {
    const m = /^--([A-Za-z0-9-]+)=(.*)$/s.exec(w);
    if (m) flags.set(m[1]!, m[2]!);
  }
  return flags;
}

const portOf = (url: string, file: string, flag: string): number => {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${file}: --${flag}=${url} is not a URL`);
  }
  if (u.port) return Number(u.port);
  throw new Error(`${file}: --${flag}=${url} has no port`);
};

export function apiserverIdentity(text: string, file: string): ApiserverIdentity {
  const f = manifestFlags(text, file, 'kube-apiserver');
  const ip = f.get('advertise-address');
  if (!ip) throw new Error(`${file}: no --advertise-address`);
  // kube-apiserver's default --secure-port is 6443 (staging/src/k8s.io/apiserver/pkg/server/options/serving.go).
  return { ip, port: Number(f.get('secure-port') ?? 6443) };
}

export function etcdIdentity(text: string, file: string): EtcdIdentity {
  const f = manifestFlags(text, file, 'etcd');
  const need = (k: string): string => {
    const v = f.get(k);
    if (!v) throw new Error(`${file}: no --${k}`);
    return v;
  };
  const clientUrl = need('advertise-client-urls').split(',')[0]!;
  const peerUrl = need('initial-advertise-peer-urls').split(',')[0]!;
  return {
    name: need('name'),
    clientUrl,
    peerUrl,
    clientPort: portOf(clientUrl, file, 'advertise-client-urls'),
    peerPort: portOf(peerUrl, file, 'initial-advertise-peer-urls'),
    // etcd's default --data-dir is `${name}.etcd`; kubeadm always sets it.
    dataDir: need('data-dir'),
    ...metricsOf(f.get('listen-metrics-urls')),
  };
}

/**
 * The member's own metrics listener: the first http URL of `--listen-metrics-urls` (kubeadm:
 * http://127.0.0.1:2381, cmd/kubeadm/app/phases/etcd/local.go), read on the host, so a wildcard
 * address becomes 127.0.0.1. An https-only listener would need the client certificate: left to
 * the default (the member's client port serves /metrics too, but with TLS).
 */
function metricsOf(urls: string | undefined): { metricsUrl?: string } {
  const http = urls?.split(',').find((u) => u.startsWith('http://'));
  if (!http) return {};
  try {
    const u = new URL(http);
    if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1';
    u.pathname = '/metrics';
    return { metricsUrl: u.toString() };
  } catch {
    return {};
  }
}

/** The live manifest, else the parked one (a drill killed mid-fault leaves it parked). */
const catManifest = (c: string): string[] => [
  'sh',
  '-c',
  `cat ${MANIFEST_DIR}/${c}.yaml 2>/dev/null || cat ${PARKED_DIR}/${c}.yaml`,
];

/**
 * Reads the host's identity from its manifests. A manifest that is absent leaves that part
 * undefined (said in `notes`); one that is present but unusable is an error naming the file.
 */
export async function readNodeIdentity(
  executor: Executor,
  host: string,
  want: { apiserver: boolean; etcd: boolean },
): Promise<{ identity: NodeIdentity; notes: string[] }> {
  const notes: string[] = [];
  const read = async <T>(c: string, parse: (text: string, file: string) => T): Promise<T | undefined> => {
    const r = await executor.exec(host, catManifest(c), { timeoutMs: 15_000 });
    const file = `${host}:${MANIFEST_DIR}/${c}.yaml`;
    if (r.code !== 0) {
      notes.push(`${file}: not found (${(r.stderr || `exit ${r.code}`).trim().slice(0, 120)})`);
      return undefined;
    }
    return parse(r.stdout, file);
  };
  const apiserver = want.apiserver ? await read('kube-apiserver', apiserverIdentity) : undefined;
  const etcd = want.etcd ? await read('etcd', etcdIdentity) : undefined;
  return { identity: { ...(apiserver ? { apiserver } : {}), ...(etcd ? { etcd } : {}) }, notes };
}

/** `https://ip:port`, with brackets for IPv6. */
export const hostPortUrl = (scheme: string, ip: string, port: number): string =>
  `${scheme}://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
