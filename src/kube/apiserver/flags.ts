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
  /** --etcd-cafile, --etcd-certfile, --etcd-keyfile (https etcd servers only). */
  readonly etcdTls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  readonly tlsCertFile: string;
  readonly tlsPrivateKeyFile: string;
  readonly clientCaFile?: string;
  readonly tokenAuthFile?: string;
  readonly endpointReconcilerType: 'lease' | 'none';
  readonly shutdownDelayMs: number;
  readonly shutdownSendRetryAfter: boolean;
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

/**
 * kube-apiserver flags that kubeadm writes (cmd/kubeadm/app/phases/controlplane/manifests.go
 * getAPIServerCommand) and the lab accepts without acting on them, each with the reason. Any
 * value is accepted; the flag is listed by `--help` as "accepted, no effect in the lab".
 */
export const ACCEPTED_NO_EFFECT = {
  'allow-privileged': "there is no container runtime; a pod's privileged setting is never checked",
  'authorization-mode': 'every authenticated request is allowed (no Node or RBAC authorizer)',
  'enable-admission-plugins':
    'the admission chain is fixed (see admission.ts); NodeRestriction is not emulated',
  'enable-bootstrap-token-auth': 'no bootstrap tokens: nodes use the certificates the lab issues',
  'kubelet-client-certificate': 'the apiserver never calls a kubelet (no logs, exec or proxy)',
  'kubelet-client-key': 'the apiserver never calls a kubelet (no logs, exec or proxy)',
  'kubelet-preferred-address-types': 'the apiserver never calls a kubelet (no logs, exec or proxy)',
  'proxy-client-cert-file': 'no aggregated APIs to proxy to',
  'proxy-client-key-file': 'no aggregated APIs to proxy to',
  'requestheader-allowed-names': 'no front-proxy (request header) authentication',
  'requestheader-client-ca-file': 'no front-proxy (request header) authentication',
  'requestheader-extra-headers-prefix': 'no front-proxy (request header) authentication',
  'requestheader-group-headers': 'no front-proxy (request header) authentication',
  'requestheader-username-headers': 'no front-proxy (request header) authentication',
  'service-account-issuer': 'no service-account tokens are issued or verified',
  'service-account-key-file': 'no service-account tokens are issued or verified',
  'service-account-signing-key-file': 'no service-account tokens are issued or verified',
} as const satisfies Record<string, string>;

/** The lab's fixed Service range (kubeadm's default): --service-cluster-ip-range must name it. */
export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12';

const noEffect = Object.fromEntries(
  Object.entries(ACCEPTED_NO_EFFECT).map(([name, why]) => [
    name,
    str(`accepted, no effect in the lab: ${why}`),
  ]),
) as { [K in keyof typeof ACCEPTED_NO_EFFECT]: ReturnType<typeof str> };

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
  'etcd-cafile': str("CA bundle that signed the etcd servers' certificates (https --etcd-servers)"),
  'etcd-certfile': str('client certificate for etcd (with --etcd-keyfile)'),
  'etcd-keyfile': str('client key for etcd (with --etcd-certfile)'),
  'service-cluster-ip-range': str(
    `Service ClusterIP range; the lab allocates from ${SERVICE_CLUSTER_IP_RANGE} only`,
    SERVICE_CLUSTER_IP_RANGE,
  ),
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
  'shutdown-send-retry-after': {
    type: 'bool',
    default: false,
    help: 'after the shutdown delay, keep listening until requests in flight drain, answering new ones 429 with Retry-After',
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
  ...noEffect,
} as const;

/** --etcd-cafile/certfile/keyfile: only with https servers, all of one scheme, cert and key together. */
function etcdTlsFlags(v: FlagValues<typeof FLAGS>, servers: readonly string[]): ApiserverFlags['etcdTls'] {
  const caFile = v['etcd-cafile'];
  const certFile = v['etcd-certfile'];
  const keyFile = v['etcd-keyfile'];
  const https = servers.filter((s) => s.startsWith('https://')).length;
  if (https > 0 && https < servers.length) {
    throw new FlagError(
      `--etcd-servers: use https:// for every server or for none (got ${servers.join(',')})`,
    );
  }
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new FlagError('--etcd-certfile and --etcd-keyfile go together: give both or neither');
  }
  if (!caFile && !certFile) return undefined;
  if (https === 0) {
    throw new FlagError('--etcd-cafile/--etcd-certfile/--etcd-keyfile need https:// --etcd-servers');
  }
  return { ...(caFile ? { caFile } : {}), ...(certFile ? { certFile, keyFile } : {}) };
}

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
      throw new FlagError(`--etcd-servers: "${s}" is not a URL like https://127.0.0.1:2379`);
  }
  const etcdTls = etcdTlsFlags(v, etcdServers);
  const range = v['service-cluster-ip-range'];
  if (range !== SERVICE_CLUSTER_IP_RANGE) {
    throw new FlagError(
      `--service-cluster-ip-range=${range}: the lab allocates ClusterIPs from ${SERVICE_CLUSTER_IP_RANGE} only (drop the flag or use that range)`,
    );
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
    ...(etcdTls ? { etcdTls } : {}),
    tlsCertFile: v['tls-cert-file'],
    tlsPrivateKeyFile: v['tls-private-key-file'],
    ...(clientCaFile ? { clientCaFile } : {}),
    ...(tokenAuthFile ? { tokenAuthFile } : {}),
    endpointReconcilerType: type,
    shutdownDelayMs: v['shutdown-delay-duration'],
    shutdownSendRetryAfter: v['shutdown-send-retry-after'],
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
