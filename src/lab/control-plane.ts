/**
 * The lab's Kubernetes control plane, part 2: the PKI and kubeconfigs, and the component specs
 * (flags rendered from the lab config's timings, with the upstream flag names):
 *  - per control plane: kube-apiserver (talks only to its local etcd member, as kubeadm does),
 *    kube-controller-manager and kube-scheduler (each talking to the local apiserver);
 *  - per worker: the kubelet agent, talking to the API through the VIP.
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../util/paths.ts';
import { type BundledComponent, bundlePath } from './bundle.ts';
import type { LabConfig, LabHost } from './config.ts';
import { hostsByRole, labHostKubeconfigPath, labKubeconfigPath } from './config.ts';
import { ensureClientCert, ensureLabPki, type LabPki, writeKubeconfig } from './pki/index.ts';
import type { ComponentSpec } from './supervisor.ts';

export const pkiDir = (cfg: LabConfig): string => path.join(cfg.stateDir, 'pki');
const componentKubeconfig = (cfg: LabConfig, component: string, host: string): string =>
  path.join(pkiDir(cfg), `${component}-${host}.kubeconfig`);

/**
 * Restart policy of our components, as kubelet restarts a static pod (and systemd the kubelet):
 * a process that exits by itself (the controller-manager on a lost lease, a crash) is started
 * again after 2 s; one ended by a signal (a fault, `lab stop`, `down`) is not, so a kill stays a
 * kill until the drill heals it.
 */
export const RESTART_LOOP =
  'while :; do "$@"; rc=$?; [ "$rc" -ge 128 ] && exit "$rc"; echo "lab: $3 exited $rc; restarting in 2 s" >&2; sleep 2; done';

/** Our components run as plain Node from their bundle (see bundle.ts), under the restart loop. */
function nodeSpec(cfg: LabConfig, h: LabHost, name: BundledComponent, args: string[]): ComponentSpec {
  void cfg;
  return {
    host: h.name,
    netns: h.netns,
    name,
    cwd: PROJECT_ROOT,
    argv: ['sh', '-c', RESTART_LOOP, name, 'node', '--max-semi-space-size=1', bundlePath(name), ...args],
  };
}

/** CA, serving and client certificates, and every kubeconfig the lab and its components use. */
export async function ensureControlPlanePki(cfg: LabConfig): Promise<LabPki> {
  const dir = pkiDir(cfg);
  const cps = hostsByRole(cfg, 'control-plane');
  const pki = await ensureLabPki(
    dir,
    cps.map((h) => ({ name: h.name, ip: h.ip })),
    { extraIps: [cfg.vip] },
  );
  const api = (ip: string) => `https://${ip}:${cfg.apiPort}`;
  const admin = { caFile: pki.ca.cert, clientCert: pki.admin.cert, clientKey: pki.admin.key };
  await writeKubeconfig(labKubeconfigPath(cfg), {
    server: api(cfg.vip),
    ...admin,
    contextName: `${cfg.prefix}-lab`,
  });
  for (const h of cps) {
    await writeKubeconfig(labHostKubeconfigPath(cfg, h.name), {
      server: api(h.ip),
      ...admin,
      contextName: `${cfg.prefix}-${h.name}`,
    });
  }
  const clients: [string, string, string[], LabHost[], (h: LabHost) => string][] = [
    ['kube-controller-manager', 'system:kube-controller-manager', [], cps, (h) => api(h.ip)],
    ['kube-scheduler', 'system:kube-scheduler', [], cps, (h) => api(h.ip)],
  ];
  for (const [component, user, groups, hosts, server] of clients) {
    const cert = await ensureClientCert(dir, pki.ca, component, user, groups);
    for (const h of hosts) {
      await writeKubeconfig(componentKubeconfig(cfg, component, h.name), {
        server: server(h),
        caFile: pki.ca.cert,
        clientCert: cert.cert,
        clientKey: cert.key,
      });
    }
  }
  for (const w of hostsByRole(cfg, 'worker')) {
    const cert = await ensureClientCert(dir, pki.ca, `kubelet-${w.name}`, `system:node:${w.name}`, [
      'system:nodes',
    ]);
    await writeKubeconfig(componentKubeconfig(cfg, 'kubelet', w.name), {
      server: api(cfg.vip),
      caFile: pki.ca.cert,
      clientCert: cert.cert,
      clientKey: cert.key,
    });
  }
  return pki;
}

const s = (seconds: number): string => `${seconds}s`;

export function apiserverSpec(cfg: LabConfig, pki: LabPki, h: LabHost): ComponentSpec {
  const t = cfg.timings.apiserver;
  const server = pki.servers[h.name]!;
  return nodeSpec(cfg, h, 'kube-apiserver', [
    `--advertise-address=${h.ip}`,
    '--bind-address=0.0.0.0',
    `--secure-port=${cfg.apiPort}`,
    '--etcd-servers=http://127.0.0.1:2379',
    `--tls-cert-file=${server.cert}`,
    `--tls-private-key-file=${server.key}`,
    `--client-ca-file=${pki.ca.cert}`,
    '--endpoint-reconciler-type=lease',
    `--master-lease-ttl=${s(t.masterLeaseTtlS)}`,
    `--endpoint-reconciler-interval=${s(t.endpointReconcileIntervalS)}`,
    `--identity-lease-duration-seconds=${t.identityLeaseDurationS}`,
    `--identity-lease-renew-interval-seconds=${t.identityLeaseRenewIntervalS}`,
    `--shutdown-delay-duration=${s(t.shutdownDelayS)}`,
    `--default-not-ready-toleration-seconds=${t.defaultNotReadyTolerationS}`,
    `--default-unreachable-toleration-seconds=${t.defaultUnreachableTolerationS}`,
    `--identity-hostname=${h.name}`,
  ]);
}

function leaderElectArgs(cfg: LabConfig, h: LabHost): string[] {
  const le = cfg.timings.leaderElection;
  return [
    '--leader-elect=true',
    `--leader-elect-lease-duration=${s(le.leaseDurationS)}`,
    `--leader-elect-renew-deadline=${s(le.renewDeadlineS)}`,
    `--leader-elect-retry-period=${s(le.retryPeriodS)}`,
    `--lab-hostname=${h.name}`,
  ];
}

export function controllerManagerSpec(cfg: LabConfig, h: LabHost): ComponentSpec {
  const n = cfg.timings.nodeLifecycle;
  return nodeSpec(cfg, h, 'kube-controller-manager', [
    `--kubeconfig=${componentKubeconfig(cfg, 'kube-controller-manager', h.name)}`,
    `--node-monitor-period=${s(n.nodeMonitorPeriodS)}`,
    `--node-monitor-grace-period=${s(n.nodeMonitorGracePeriodS)}`,
    `--node-startup-grace-period=${s(n.nodeStartupGracePeriodS)}`,
    ...leaderElectArgs(cfg, h),
  ]);
}

export function schedulerSpec(cfg: LabConfig, h: LabHost): ComponentSpec {
  return nodeSpec(cfg, h, 'kube-scheduler', [
    `--kubeconfig=${componentKubeconfig(cfg, 'kube-scheduler', h.name)}`,
    ...leaderElectArgs(cfg, h),
  ]);
}

export function kubeletSpec(cfg: LabConfig, h: LabHost): ComponentSpec {
  const k = cfg.timings.kubelet;
  return nodeSpec(cfg, h, 'kubelet', [
    `--kubeconfig=${componentKubeconfig(cfg, 'kubelet', h.name)}`,
    `--hostname-override=${h.name}`,
    `--node-ip=${h.ip}`,
    `--node-lease-duration-seconds=${k.nodeLeaseDurationS}`,
    `--node-status-update-frequency=${s(k.nodeStatusUpdateFrequencyS)}`,
    `--lab-pod-start-delay=${k.podStartDelayMs}ms`,
  ]);
}
