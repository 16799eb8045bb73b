/**
 * The control-plane static Pods kubeadm writes to /etc/kubernetes/manifests: kube-apiserver,
 * kube-controller-manager, kube-scheduler (etcd: etcd-pod.ts). Flags, probes, resources and
 * volumes are kubeadm's: kubernetes/kubernetes cmd/kubeadm/app/phases/controlplane/manifests.go
 * (GetStaticPodSpecs, getAPIServerCommand, getControllerManagerCommand, getSchedulerCommand) and
 * volumes.go (hostPath mounts; the CA-certificate directories are those that exist on Debian:
 * /etc/ssl/certs, /etc/ca-certificates, /usr/share/ca-certificates,
 * /usr/local/share/ca-certificates; no /etc/pki). The lab's timings are passed as kubeadm
 * `extraArgs` (ClusterConfiguration apiServer/controllerManager/scheduler.extraArgs), which
 * ArgumentsToCommand merges and sorts with the defaults.
 */
import path from 'node:path';
import type { LabConfig } from '../config.ts';
import {
  CLUSTER_NAME,
  CONTROLLER_MANAGER_CONF,
  DNS_DOMAIN,
  IMAGE_REPOSITORY,
  KUBE_CONTROLLER_MANAGER_PORT,
  KUBE_SCHEDULER_PORT,
  KUBERNETES_DIR,
  CERTIFICATES_DIR as PKI,
  SCHEDULER_CONF,
  SERVICE_SUBNET,
} from './constants.ts';
import {
  argumentsToCommand,
  argValue,
  type ComponentPod,
  componentPod,
  type ExtraArgs,
  type HostPathVolume,
  mergeExtra,
  probe,
  probeAddress,
} from './pod.ts';

export interface ManifestHostSpec {
  readonly ip: string;
  readonly apiPort: number;
  readonly kubernetesVersion: string;
  /**
   * External etcd (ClusterConfiguration `etcd.external.endpoints`): every member's client URL.
   * Absent: stacked, the local member.
   */
  readonly etcdServers?: readonly string[];
}

/** ClusterConfiguration extraArgs per component, on top of (and replacing) the lab's timings. */
export interface ComponentExtraArgs {
  readonly apiServer?: ExtraArgs;
  readonly controllerManager?: ExtraArgs;
  readonly scheduler?: ExtraArgs;
}

const p = (f: string) => path.posix.join(PKI, f);
const s = (seconds: number) => `${seconds}s`;
const image = (component: string, version: string) => `${IMAGE_REPOSITORY}/${component}:${version}`;

const dir = (name: string, hostPath: string, readOnly = true): HostPathVolume => ({
  name,
  path: hostPath,
  type: 'DirectoryOrCreate',
  readOnly,
});
const CA_CERT_VOLUMES: HostPathVolume[] = [
  dir('ca-certs', '/etc/ssl/certs'),
  dir('etc-ca-certificates', '/etc/ca-certificates'),
  dir('usr-share-ca-certificates', '/usr/share/ca-certificates'),
  dir('usr-local-share-ca-certificates', '/usr/local/share/ca-certificates'),
];
const K8S_CERTS = dir('k8s-certs', PKI);
const kubeconfigVolume = (file: string): HostPathVolume => ({
  name: 'kubeconfig',
  path: path.posix.join(KUBERNETES_DIR, file),
  type: 'FileOrCreate',
  readOnly: true,
});

export function apiserverPod(cfg: LabConfig, h: ManifestHostSpec, user: ExtraArgs = []): ComponentPod {
  const t = cfg.timings.apiserver;
  const base: [string, string][] = [
    ['advertise-address', h.ip],
    ['enable-admission-plugins', 'NodeRestriction'],
    ['service-cluster-ip-range', SERVICE_SUBNET],
    ['service-account-key-file', p('sa.pub')],
    ['service-account-signing-key-file', p('sa.key')],
    ['service-account-issuer', `https://kubernetes.default.svc.${DNS_DOMAIN}`],
    ['client-ca-file', p('ca.crt')],
    ['tls-cert-file', p('apiserver.crt')],
    ['tls-private-key-file', p('apiserver.key')],
    ['kubelet-client-certificate', p('apiserver-kubelet-client.crt')],
    ['kubelet-client-key', p('apiserver-kubelet-client.key')],
    ['enable-bootstrap-token-auth', 'true'],
    ['secure-port', String(h.apiPort)],
    ['allow-privileged', 'true'],
    ['kubelet-preferred-address-types', 'InternalIP,ExternalIP,Hostname'],
    ['requestheader-username-headers', 'X-Remote-User'],
    ['requestheader-group-headers', 'X-Remote-Group'],
    ['requestheader-extra-headers-prefix', 'X-Remote-Extra-'],
    ['requestheader-client-ca-file', p('front-proxy-ca.crt')],
    ['requestheader-allowed-names', 'front-proxy-client'],
    ['proxy-client-cert-file', p('front-proxy-client.crt')],
    ['proxy-client-key-file', p('front-proxy-client.key')],
    // getAPIServerCommand: stacked etcd, the local member (https://127.0.0.1:2379); external,
    // `etcd.external.endpoints` joined with commas. Either over TLS with the apiserver-etcd-client
    // certificate (external: the guide's caFile/certFile/keyFile, the same paths).
    ['etcd-servers', h.etcdServers ? h.etcdServers.join(',') : 'https://127.0.0.1:2379'],
    ['etcd-cafile', p('etcd/ca.crt')],
    ['etcd-certfile', p('apiserver-etcd-client.crt')],
    ['etcd-keyfile', p('apiserver-etcd-client.key')],
    ['authorization-mode', 'Node,RBAC'],
  ];
  // The lab's timings (extraArgs). master-lease-ttl and endpoint-reconciler-interval are
  // lab-only flags (upstream constants 15 s / 10 s); the others are upstream flags.
  const extra: [string, string][] = [
    ['master-lease-ttl', s(t.masterLeaseTtlS)],
    ['endpoint-reconciler-interval', s(t.endpointReconcileIntervalS)],
    ['identity-lease-duration-seconds', String(t.identityLeaseDurationS)],
    ['identity-lease-renew-interval-seconds', String(t.identityLeaseRenewIntervalS)],
    ['shutdown-delay-duration', s(t.shutdownDelayS)],
    ...(t.shutdownSendRetryAfter ? ([['shutdown-send-retry-after', 'true']] as [string, string][]) : []),
    ['default-not-ready-toleration-seconds', String(t.defaultNotReadyTolerationS)],
    ['default-unreachable-toleration-seconds', String(t.defaultUnreachableTolerationS)],
  ];
  const name = 'kube-apiserver';
  return componentPod(
    {
      name,
      image: image(name, h.kubernetesVersion),
      command: [name, ...argumentsToCommand(base, mergeExtra(extra, user))],
      volumes: [...CA_CERT_VOLUMES, K8S_CERTS],
      requests: { cpu: '250m' },
      probes: {
        liveness: probe('liveness', h.ip, '/livez', h.apiPort, 'HTTPS'),
        readiness: probe('readiness', h.ip, '/readyz', h.apiPort, 'HTTPS'),
        startup: probe('startup', h.ip, '/livez', h.apiPort, 'HTTPS'),
      },
    },
    { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${h.ip}:${h.apiPort}` },
  );
}

function leaderElectExtra(cfg: LabConfig): [string, string][] {
  const le = cfg.timings.leaderElection;
  return [
    ['leader-elect-lease-duration', s(le.leaseDurationS)],
    ['leader-elect-renew-deadline', s(le.renewDeadlineS)],
    ['leader-elect-retry-period', s(le.retryPeriodS)],
  ];
}

interface LeaderElectedSpec {
  readonly name: 'kube-controller-manager' | 'kube-scheduler';
  /** Its kubeconfig file in /etc/kubernetes. */
  readonly conf: string;
  /** The secure port of its /healthz (probed on 127.0.0.1, its --bind-address). */
  readonly port: number;
  readonly cpu: string;
  readonly base: readonly [string, string][];
  readonly extra: ExtraArgs;
  /** The user's extraArgs (a --bind-address there moves the probes: GetControllerManagerProbeAddress). */
  readonly user: ExtraArgs;
  readonly volumes: readonly HostPathVolume[];
}

/** What getControllerManagerCommand and getSchedulerCommand share, and the pod around it. */
function leaderElectedPod(h: ManifestHostSpec, c: LeaderElectedSpec): ComponentPod {
  const bind = argValue(c.user, 'bind-address');
  const host = bind === undefined ? '127.0.0.1' : probeAddress(bind);
  const kubeconfig = path.posix.join(KUBERNETES_DIR, c.conf);
  const base: [string, string][] = [
    ['bind-address', '127.0.0.1'],
    ['leader-elect', 'true'],
    ['kubeconfig', kubeconfig],
    ['authentication-kubeconfig', kubeconfig],
    ['authorization-kubeconfig', kubeconfig],
    ...c.base,
  ];
  return componentPod({
    name: c.name,
    image: image(c.name, h.kubernetesVersion),
    command: [c.name, ...argumentsToCommand(base, mergeExtra(c.extra, c.user))],
    volumes: [...c.volumes, kubeconfigVolume(c.conf)],
    requests: { cpu: c.cpu },
    probes: {
      liveness: probe('liveness', host, '/healthz', c.port, 'HTTPS'),
      startup: probe('startup', host, '/healthz', c.port, 'HTTPS'),
    },
  });
}

export function controllerManagerPod(
  cfg: LabConfig,
  h: ManifestHostSpec,
  user: ExtraArgs = [],
): ComponentPod {
  const n = cfg.timings.nodeLifecycle;
  return leaderElectedPod(h, {
    name: 'kube-controller-manager',
    conf: CONTROLLER_MANAGER_CONF,
    port: KUBE_CONTROLLER_MANAGER_PORT,
    cpu: '200m',
    base: [
      ['client-ca-file', p('ca.crt')],
      ['requestheader-client-ca-file', p('front-proxy-ca.crt')],
      ['root-ca-file', p('ca.crt')],
      ['service-account-private-key-file', p('sa.key')],
      ['cluster-signing-cert-file', p('ca.crt')],
      ['cluster-signing-key-file', p('ca.key')],
      ['use-service-account-credentials', 'true'],
      ['controllers', '*,bootstrapsigner,tokencleaner'],
      ['cluster-name', CLUSTER_NAME],
    ],
    extra: [
      ['node-monitor-period', s(n.nodeMonitorPeriodS)],
      ['node-monitor-grace-period', s(n.nodeMonitorGracePeriodS)],
      ['node-startup-grace-period', s(n.nodeStartupGracePeriodS)],
      ...leaderElectExtra(cfg),
    ],
    user,
    volumes: [
      ...CA_CERT_VOLUMES,
      dir('flexvolume-dir', '/usr/libexec/kubernetes/kubelet-plugins/volume/exec', false),
      K8S_CERTS,
    ],
  });
}

export function schedulerPod(cfg: LabConfig, h: ManifestHostSpec, user: ExtraArgs = []): ComponentPod {
  return leaderElectedPod(h, {
    name: 'kube-scheduler',
    conf: SCHEDULER_CONF,
    port: KUBE_SCHEDULER_PORT,
    cpu: '100m',
    base: [],
    extra: leaderElectExtra(cfg),
    user,
    volumes: [],
  });
}
