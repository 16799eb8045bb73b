/**
 * Command-line flags, with kube-apiserver's names and defaults where they exist, plus clearly
 * named lab-only knobs. Durations take Go syntax (`15s`, `500ms`, `1m30s`). A bad flag is a
 * FlagError naming it (main prints it and exits 2).
 */
import { isIP } from 'node:net';
import os from 'node:os';

export class FlagError extends Error {}

export interface ApiserverFlags {
  readonly advertiseAddress: string;
  readonly bindAddress: string;
  readonly securePort: number;
  readonly etcdServers: string[];
  readonly tlsCertFile: string;
  readonly tlsPrivateKeyFile: string;
  readonly clientCaFile?: string;
  readonly tokenAuthFile?: string;
  readonly endpointReconcilerType: 'lease' | 'none';
  readonly shutdownDelayMs: number;
  readonly defaultNotReadyTolerationSeconds: number;
  readonly defaultUnreachableTolerationSeconds: number;
  /** Lab-only: master lease TTL (upstream constant 15 s). */
  readonly masterLeaseTtlMs: number;
  /** Lab-only: endpoint reconciler interval (upstream 10 s). */
  readonly endpointReconcilerIntervalMs: number;
  /** Lab-only: identity lease duration (upstream 3600 s). */
  readonly identityLeaseDurationSeconds: number;
  /** Lab-only: identity lease renew interval (upstream 10 s). */
  readonly identityLeaseRenewIntervalSeconds: number;
  /** Lab-only: the host name hashed into the identity lease name (default: the OS hostname). */
  readonly identityHostname: string;
  /** Lab-only: log every request to stderr. */
  readonly logRequests: boolean;
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration (`1h2m3.5s`, `500ms`, `0`) into milliseconds. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let ms = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new Error(`invalid duration "${text}": use Go syntax such as 15s, 500ms or 1m30s`);
    ms += Number(m[1]) * UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (text.length === 0) throw new Error('invalid duration "": use Go syntax such as 15s, 500ms or 1m30s');
  return ms;
}

interface Spec {
  readonly help: string;
  readonly def?: string;
  readonly bool?: boolean;
}

export const FLAG_SPECS: Record<string, Spec> = {
  'advertise-address': {
    help: 'IP advertised in the kubernetes Endpoints (default: --bind-address unless 0.0.0.0)',
  },
  'bind-address': { help: 'IP to listen on', def: '0.0.0.0' },
  'secure-port': { help: 'HTTPS port', def: '6443' },
  'etcd-servers': { help: 'comma-separated etcd client URLs (the local member in the lab)' },
  'tls-cert-file': { help: 'serving certificate (PEM)' },
  'tls-private-key-file': { help: 'serving key (PEM)' },
  'client-ca-file': { help: 'CA that signs client certificates (CN=user, O=groups)' },
  'token-auth-file': { help: 'CSV token,user,uid,"group1,group2"' },
  'endpoint-reconciler-type': { help: 'lease or none', def: 'lease' },
  'shutdown-delay-duration': {
    help: 'time between SIGTERM (readyz failing) and closing the listener',
    def: '0s',
  },
  'default-not-ready-toleration-seconds': { help: 'DefaultTolerationSeconds for not-ready', def: '300' },
  'default-unreachable-toleration-seconds': { help: 'DefaultTolerationSeconds for unreachable', def: '300' },
  'master-lease-ttl': { help: 'lab-only: TTL of /registry/masterleases/<ip>', def: '15s' },
  'endpoint-reconciler-interval': { help: 'lab-only: lease endpoint reconciler period', def: '10s' },
  'identity-lease-duration-seconds': { help: 'lab-only: identity Lease duration', def: '3600' },
  'identity-lease-renew-interval-seconds': { help: 'lab-only: identity Lease renew period', def: '10' },
  'identity-hostname': {
    help: 'lab-only: name hashed into the identity Lease name (default: <OS hostname>/<advertise-address>, unique per lab host)',
  },
  'log-requests': { help: 'lab-only: log every request to stderr', bool: true },
  help: { help: 'print this help', bool: true },
};

export function usage(): string {
  const lines = Object.entries(FLAG_SPECS).map(
    ([n, s]) =>
      `  --${n}${s.bool ? '' : '=VALUE'}\n      ${s.help}${s.def !== undefined ? ` (default ${s.def})` : ''}`,
  );
  return `usage: apiserver [flags]\n${lines.join('\n')}\n`;
}

/** Reads `--name=value` / `--name value` pairs; returns undefined for --help. */
export function parseFlags(argv: readonly string[]): ApiserverFlags | undefined {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(a);
    if (!m) throw new FlagError(`unexpected argument "${a}": flags look like --name=value (see --help)`);
    const name = m[1]!;
    const spec = FLAG_SPECS[name];
    if (!spec) throw new FlagError(`unknown flag --${name} (see --help for the supported flags)`);
    let value = m[2];
    if (value === undefined) {
      if (spec.bool) value = 'true';
      else {
        value = argv[++i];
        if (value === undefined) throw new FlagError(`flag --${name} needs a value`);
      }
    }
    raw.set(name, value);
  }
  if (raw.get('help') === 'true') return undefined;
  const get = (n: string) => raw.get(n) ?? FLAG_SPECS[n]?.def;
  const required = (n: string) => {
    const v = get(n);
    if (!v) throw new FlagError(`--${n} is required`);
    return v;
  };
  const int = (n: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = get(n)!;
    const x = Number(v);
    if (!/^-?\d+$/.test(v) || x < min || x > max) {
      throw new FlagError(`--${n}=${v}: expected a whole number from ${min} to ${max}`);
    }
    return x;
  };
  const dur = (n: string, min = 0) => {
    let ms: number;
    try {
      ms = parseDuration(get(n)!);
    } catch (err) {
      throw new FlagError(`--${n}: ${(err as Error).message}`);
    }
    if (ms < min) throw new FlagError(`--${n}=${get(n)}: must be at least ${min}ms`);
    return ms;
  };
  const ip = (n: string, v: string) => {
    if (!isIP(v)) throw new FlagError(`--${n}=${v}: expected an IP address`);
    return v;
  };
  const bindAddress = ip('bind-address', get('bind-address')!);
  const adv = raw.get('advertise-address');
  if (adv === undefined && (bindAddress === '0.0.0.0' || bindAddress === '::')) {
    throw new FlagError('--advertise-address is required when --bind-address is 0.0.0.0');
  }
  const advertiseAddress = ip('advertise-address', adv ?? bindAddress);
  const etcdServers = required('etcd-servers')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const s of etcdServers) {
    if (!/^https?:\/\/[^/]+$/.test(s))
      throw new FlagError(`--etcd-servers: "${s}" is not a URL like http://127.0.0.1:2379`);
  }
  const type = get('endpoint-reconciler-type');
  if (type !== 'lease' && type !== 'none') {
    throw new FlagError(`--endpoint-reconciler-type=${type}: the lab supports lease or none`);
  }
  const clientCaFile = raw.get('client-ca-file');
  const tokenAuthFile = raw.get('token-auth-file');
  return {
    advertiseAddress,
    bindAddress,
    securePort: int('secure-port', 1, 65535),
    etcdServers,
    tlsCertFile: required('tls-cert-file'),
    tlsPrivateKeyFile: required('tls-private-key-file'),
    ...(clientCaFile ? { clientCaFile } : {}),
    ...(tokenAuthFile ? { tokenAuthFile } : {}),
    endpointReconcilerType: type,
    shutdownDelayMs: dur('shutdown-delay-duration'),
    defaultNotReadyTolerationSeconds: int('default-not-ready-toleration-seconds', 0),
    defaultUnreachableTolerationSeconds: int('default-unreachable-toleration-seconds', 0),
    masterLeaseTtlMs: dur('master-lease-ttl', 1000),
    endpointReconcilerIntervalMs: dur('endpoint-reconciler-interval', 100),
    identityLeaseDurationSeconds: int('identity-lease-duration-seconds', 1),
    identityLeaseRenewIntervalSeconds: int('identity-lease-renew-interval-seconds', 1),
    identityHostname: raw.get('identity-hostname') ?? `${os.hostname()}/${advertiseAddress}`,
    logRequests: raw.get('log-requests') === 'true',
  };
}
