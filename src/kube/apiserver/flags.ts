/**
 * Command-line flags, with kube-apiserver's names and defaults where they exist, plus clearly
 * named lab-only knobs, read by the components' one flag parser (runtime/flags.ts; durations in
 * Go syntax). `apiserverFlags` checks what spans flags; a bad flag is a FlagError naming it (main
 * prints it and exits 2).
 */
import { isIP } from 'node:net';
import os from 'node:os';
import { FlagError, type FlagValues, parseFlags as parseFlagValues } from '../runtime/flags.ts';

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

const str = (help: string, def = '') => ({ type: 'string', default: def, help }) as const;

export const FLAGS = {
  'advertise-address': str(
    'IP advertised in the kubernetes Endpoints (default: --bind-address unless 0.0.0.0)',
  ),
  'bind-address': str('IP to listen on', '0.0.0.0'),
  'secure-port': { type: 'int', default: 6443, min: 1, max: 65535, help: 'HTTPS port' },
  'etcd-servers': {
    ...str('comma-separated etcd client URLs (the local member in the lab)'),
    required: true,
  },
  'tls-cert-file': { ...str('serving certificate (PEM)'), required: true },
  'tls-private-key-file': { ...str('serving key (PEM)'), required: true },
  'client-ca-file': str('CA that signs client certificates (CN=user, O=groups)'),
  'token-auth-file': str('CSV token,user,uid,"group1,group2"'),
  'endpoint-reconciler-type': str('lease or none', 'lease'),
  'shutdown-delay-duration': {
    type: 'duration',
    default: 0,
    help: 'time between SIGTERM (readyz failing) and closing the listener',
  },
  'default-not-ready-toleration-seconds': {
    type: 'int',
    default: 300,
    min: 0,
    help: 'DefaultTolerationSeconds for not-ready',
  },
  'default-unreachable-toleration-seconds': {
    type: 'int',
    default: 300,
    min: 0,
    help: 'DefaultTolerationSeconds for unreachable',
  },
  'master-lease-ttl': {
    type: 'duration',
    default: 15_000,
    min: 1000,
    help: 'lab-only: TTL of /registry/masterleases/<ip>',
  },
  'endpoint-reconciler-interval': {
    type: 'duration',
    default: 10_000,
    min: 100,
    help: 'lab-only: lease endpoint reconciler period',
  },
  'identity-lease-duration-seconds': {
    type: 'int',
    default: 3600,
    min: 1,
    help: 'lab-only: identity Lease duration',
  },
  'identity-lease-renew-interval-seconds': {
    type: 'int',
    default: 10,
    min: 1,
    help: 'lab-only: identity Lease renew period',
  },
  'identity-hostname': str(
    'lab-only: name hashed into the identity Lease name (default: <OS hostname>/<advertise-address>, unique per lab host)',
  ),
  'log-requests': { type: 'bool', default: false, help: 'lab-only: log every request to stderr' },
} as const;

/** Checks across the parsed flags and derives the defaults that depend on other flags. */
export function apiserverFlags(v: FlagValues<typeof FLAGS>): ApiserverFlags {
  const ip = (n: string, a: string) => {
    if (!isIP(a)) throw new FlagError(`--${n}=${a}: expected an IP address`);
    return a;
  };
  const bindAddress = ip('bind-address', v['bind-address']);
  const adv = v['advertise-address'];
  if (!adv && (bindAddress === '0.0.0.0' || bindAddress === '::')) {
    throw new FlagError('--advertise-address is required when --bind-address is 0.0.0.0');
  }
  const advertiseAddress = ip('advertise-address', adv || bindAddress);
  const etcdServers = v['etcd-servers']
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const s of etcdServers) {
    if (!/^https?:\/\/[^/]+$/.test(s))
      throw new FlagError(`--etcd-servers: "${s}" is not a URL like http://127.0.0.1:2379`);
  }
  const type = v['endpoint-reconciler-type'];
  if (type !== 'lease' && type !== 'none') {
    throw new FlagError(`--endpoint-reconciler-type=${type}: the lab supports lease or none`);
  }
  const clientCaFile = v['client-ca-file'];
  const tokenAuthFile = v['token-auth-file'];
  return {
    advertiseAddress,
    bindAddress,
    securePort: v['secure-port'],
    etcdServers,
    tlsCertFile: v['tls-cert-file'],
    tlsPrivateKeyFile: v['tls-private-key-file'],
    ...(clientCaFile ? { clientCaFile } : {}),
    ...(tokenAuthFile ? { tokenAuthFile } : {}),
    endpointReconcilerType: type,
    shutdownDelayMs: v['shutdown-delay-duration'],
    defaultNotReadyTolerationSeconds: v['default-not-ready-toleration-seconds'],
    defaultUnreachableTolerationSeconds: v['default-unreachable-toleration-seconds'],
    masterLeaseTtlMs: v['master-lease-ttl'],
    endpointReconcilerIntervalMs: v['endpoint-reconciler-interval'],
    identityLeaseDurationSeconds: v['identity-lease-duration-seconds'],
    identityLeaseRenewIntervalSeconds: v['identity-lease-renew-interval-seconds'],
    identityHostname: v['identity-hostname'] || `${os.hostname()}/${advertiseAddress}`,
    logRequests: v['log-requests'],
  };
}

/** Parses and checks the apiserver's command line (throws a FlagError naming the flag to fix). */
export const parseFlags = (argv: readonly string[]): ApiserverFlags =>
  apiserverFlags(parseFlagValues(argv, FLAGS));
