/**
 * The stacked etcd static Pod kubeadm writes to /etc/kubernetes/manifests/etcd.yaml.
 * Source: kubernetes/kubernetes cmd/kubeadm/app/phases/etcd/local.go (GetEtcdPodSpec,
 * getEtcdCommand; v1.34, which runs etcd 3.6), with the lab's etcd timings and `--pre-vote=true`
 * as `etcd.local.extraArgs`.
 *
 * Adapted to the lab's etcd, Debian's 3.4 (each checked against `etcd --help` of 3.4.23):
 *  - `--feature-gates=InitialCorruptCheck=true` (3.6) -> `--experimental-initial-corrupt-check=true`:
 *    3.4 has no --feature-gates; the same check is the experimental flag there.
 *  - `--watch-progress-notify-interval=5s` (3.6) -> `--experimental-watch-progress-notify-interval=5s`:
 *    the 3.4 name of the same setting.
 *  - probes: v1.34 probes `/livez` and `/readyz` on the metrics port, which 3.4 answers with 404
 *    (they came with etcd 3.5.11/3.6), so a kubelet would restart a healthy member forever. The
 *    probes are the ones kubeadm wrote before it switched (same local.go, up to v1.33):
 *    liveness `/health?exclude=NOSPACE&serializable=true`, startup `/health?serializable=false`,
 *    no readiness probe.
 *  - `--pre-vote=true`: an extraArg (3.4 defaults to false, 3.5+ to true; issue 11).
 */
import type { LabConfig } from '../config.ts';
import {
  CERTIFICATES_DIR,
  ETCD_CLIENT_PORT,
  ETCD_DATA_DIR,
  ETCD_IMAGE_TAG,
  ETCD_METRICS_PORT,
  ETCD_PEER_PORT,
  IMAGE_REPOSITORY,
} from './constants.ts';
import {
  argumentsToCommand,
  argValue,
  type ComponentPod,
  componentPod,
  type ExtraArgs,
  mergeExtra,
  probe,
} from './pod.ts';

export interface EtcdMember {
  readonly name: string;
  readonly ip: string;
}

export interface EtcdPodSpec {
  readonly name: string;
  readonly ip: string;
  /**
   * The members of `--initial-cluster`. kubeadm init: only itself (no --initial-cluster-state).
   * kubeadm join: the members so far, itself last, with `--initial-cluster-state=existing` (the
   * member was added as a learner and promoted before etcd starts).
   */
  readonly initialCluster: readonly EtcdMember[];
  readonly clusterState: 'new' | 'existing';
}

/** 3.6 flag name -> the 3.4 flag that does the same (see the header). */
export const ETCD_34_RENAMES: Readonly<Record<string, [string, (v: string) => string]>> = {
  'feature-gates': [
    'experimental-initial-corrupt-check',
    (v) => {
      if (v !== 'InitialCorruptCheck=true') throw new Error(`etcd 3.4 has no --feature-gates=${v}`);
      return 'true';
    },
  ],
  'watch-progress-notify-interval': ['experimental-watch-progress-notify-interval', (v) => v],
};

export const clientUrl = (ip: string) => `https://${ip}:${ETCD_CLIENT_PORT}`;
export const peerUrl = (ip: string) => `https://${ip}:${ETCD_PEER_PORT}`;

/** getEtcdCommand's arguments (before the 3.4 renames). */
export function etcdBaseArgs(h: EtcdPodSpec): [string, string][] {
  const pki = (f: string) => `${CERTIFICATES_DIR}/${f}`;
  const args: [string, string][] = [
    ['name', h.name],
    ['feature-gates', 'InitialCorruptCheck=true'],
    ['listen-client-urls', `${clientUrl('127.0.0.1')},${clientUrl(h.ip)}`],
    ['advertise-client-urls', clientUrl(h.ip)],
    ['listen-peer-urls', peerUrl(h.ip)],
    ['initial-advertise-peer-urls', peerUrl(h.ip)],
    ['data-dir', ETCD_DATA_DIR],
    ['cert-file', pki('etcd/server.crt')],
    ['key-file', pki('etcd/server.key')],
    ['trusted-ca-file', pki('etcd/ca.crt')],
    ['client-cert-auth', 'true'],
    ['peer-cert-file', pki('etcd/peer.crt')],
    ['peer-key-file', pki('etcd/peer.key')],
    ['peer-trusted-ca-file', pki('etcd/ca.crt')],
    ['peer-client-cert-auth', 'true'],
    ['snapshot-count', '10000'],
    ['listen-metrics-urls', `http://127.0.0.1:${ETCD_METRICS_PORT}`],
    ['watch-progress-notify-interval', '5s'],
    ['initial-cluster', h.initialCluster.map((m) => `${m.name}=${peerUrl(m.ip)}`).join(',')],
  ];
  if (h.clusterState === 'existing') args.push(['initial-cluster-state', 'existing']);
  return args;
}

/** The lab's etcd extraArgs: timings from the lab config and pre-vote. */
export function etcdExtraArgs(cfg: LabConfig): [string, string][] {
  return [
    ['heartbeat-interval', String(cfg.timings.etcd.heartbeatMs)],
    ['election-timeout', String(cfg.timings.etcd.electionMs)],
    ['pre-vote', 'true'],
  ];
}

const for34 = (args: readonly [string, string][]): [string, string][] =>
  args.map(([n, v]) => {
    const r = ETCD_34_RENAMES[n];
    return r ? [r[0], r[1](v)] : [n, v];
  });

/**
 * staticpod/utils.go GetEtcdProbeEndpoint: the probes follow the first URL of a user's
 * `listen-metrics-urls` extraArg (host, port, scheme), else http://127.0.0.1:2381.
 */
export function etcdProbeEndpoint(user: ExtraArgs): { host: string; port: number; scheme: 'HTTP' | 'HTTPS' } {
  const fallback = { host: '127.0.0.1', port: ETCD_METRICS_PORT, scheme: 'HTTP' as const };
  const urls = argValue(user, 'listen-metrics-urls');
  if (urls === undefined) return fallback;
  let u: URL;
  try {
    u = new URL(urls.split(',')[0] ?? '');
  } catch {
    return fallback;
  }
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : ETCD_METRICS_PORT,
    scheme: u.protocol === 'https:' ? 'HTTPS' : 'HTTP',
  };
}

export function etcdPod(
  cfg: LabConfig,
  h: EtcdPodSpec,
  user: ExtraArgs = [],
  imageTag: string = ETCD_IMAGE_TAG,
): ComponentPod {
  if (!h.initialCluster.some((m) => m.name === h.name)) {
    throw new Error(`etcd member ${h.name} must be part of its own --initial-cluster`);
  }
  const ep = etcdProbeEndpoint(user);
  const health = (kind: 'liveness' | 'startup', path: string) =>
    probe(kind, ep.host, path, ep.port, ep.scheme);
  return componentPod(
    {
      name: 'etcd',
      image: `${IMAGE_REPOSITORY}/etcd:${imageTag}`,
      command: ['etcd', ...argumentsToCommand(for34(etcdBaseArgs(h)), mergeExtra(etcdExtraArgs(cfg), user))],
      volumes: [
        { name: 'etcd-certs', path: `${CERTIFICATES_DIR}/etcd`, type: 'DirectoryOrCreate', readOnly: false },
        { name: 'etcd-data', path: ETCD_DATA_DIR, type: 'DirectoryOrCreate', readOnly: false },
      ],
      requests: { cpu: '100m', memory: '100Mi' },
      probes: {
        liveness: health('liveness', '/health?exclude=NOSPACE&serializable=true'),
        startup: health('startup', '/health?serializable=false'),
      },
    },
    { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': clientUrl(h.ip) },
  );
}
