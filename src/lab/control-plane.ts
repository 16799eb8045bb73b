/**
 * The lab's Kubernetes control plane, laid out as kubeadm lays out a node (src/lab/kubeadm):
 * every control plane has /etc/kubernetes/{pki,manifests,*.conf}, /var/lib/kubelet/config.yaml
 * and its etcd data in /var/lib/etcd, seen at those paths inside the host (src/lab/host.ts).
 * Its etcd, kube-apiserver, kube-controller-manager and kube-scheduler run with exactly the
 * command lines of their static pod manifests, read back from the files, under the lab
 * supervisor (the step before the control planes' own kubelets run them: issue 11). The
 * workers get a kubelet.conf signed by the cluster CA, as `kubeadm join` writes it.
 *
 * Our components are found on PATH by their upstream binary names (`kube-apiserver`, ...):
 * small wrappers in `<stateDir>/bin` exec the bundled component, which sets its process name
 * (the comm) to that name (`pgrep -x kube-apiserver` finds it, as on a node).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../util/paths.ts';
import { type BundledComponent, bundlePath } from './bundle.ts';
import type { LabConfig, LabHost } from './config.ts';
import { hostRoot, hostsByRole } from './config.ts';
import {
  ETCD_HOST_KUBELET_CONFIG,
  ensureKubeadmCas,
  finalizeKubeletClient,
  type KubeadmCas,
  kubeadmCasDir,
  writeKubeadmControlPlanes,
  writeKubeadmEtcdHost,
  writeKubeletConfig,
} from './kubeadm/index.ts';
import type { ComponentSpec } from './supervisor.ts';

/**
 * Restart policy of our components, as kubelet restarts a static pod (and systemd the kubelet):
 * a process that exits by itself (the controller-manager on a lost lease, a crash) is started
 * again after 2 s; one ended by a signal (a fault, `lab stop`, `down`) is not, so a kill stays a
 * kill until the drill heals it.
 */
export const RESTART_LOOP =
  'while :; do "$@"; rc=$?; [ "$rc" -ge 128 ] && exit "$rc"; echo "lab: $3 exited $rc; restarting in 2 s" >&2; sleep 2; done';

const BINARIES: readonly BundledComponent[] = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
];

export const labBinDir = (cfg: LabConfig): string => path.join(cfg.stateDir, 'bin');

/**
 * `<stateDir>/bin/<binary>`: exec the bundled component under its upstream name. Node is executed
 * through a symlink named after the binary (`<stateDir>/bin/.exe/<binary>` → node): Linux names a
 * process after the file it executes (fs/exec.c begin_new_exec: `__set_task_comm(me,
 * kbasename(bprm->filename))`, the path as given, not the symlink's target), so the process is
 * `kube-apiserver` for `pgrep -x` from its exec on, as the real binary is on a node. Executed as
 * `node`, it had that name until the component set its own (runtime/component.ts setProcessName,
 * after its bundle loaded): a heal that saw it start could, a moment later, not find it running.
 */
export function writeBinaries(cfg: LabConfig): void {
  const dir = labBinDir(cfg);
  const exe = path.join(dir, '.exe');
  fs.mkdirSync(exe, { recursive: true });
  for (const b of BINARIES) {
    const node = path.join(exe, b);
    fs.rmSync(node, { force: true });
    fs.symlinkSync(process.execPath, node);
    const script = `#!/bin/sh\n# ha-drill lab: ${b} is the bundled emulated component, run by node under its name\nexec ${JSON.stringify(node)} --max-semi-space-size=1 ${JSON.stringify(bundlePath(b))} "$@"\n`;
    fs.writeFileSync(path.join(dir, b), script, { mode: 0o755 });
  }
}

const pathEnv = (cfg: LabConfig) => ({
  PATH: `${labBinDir(cfg)}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
});

/** Writes every control plane's kubeadm layout and the workers' kubelet.conf; returns the CAs. */
export async function writeClusterFiles(cfg: LabConfig): Promise<KubeadmCas> {
  writeBinaries(cfg);
  // Every member lists all three in --initial-cluster (state new), so the three start at once;
  // kubeadm instead joins members one by one as learners (writeKubeadmControlPlanes'
  // 'kubeadm-join'), which adds ~5 s per member to `lab up`.
  // The CAs first (kubeadm init's), then every host's files side by side.
  const cas = await ensureKubeadmCas(kubeadmCasDir(cfg));
  const etcdImageTag = `${installedEtcdVersion()}-0`;
  // Prometheus on another host scrapes etcd's metrics (kubeadm's default is 127.0.0.1 only).
  const etcdMetrics: [string, string] = ['listen-metrics-urls', 'http://0.0.0.0:2381'];
  await Promise.all([
    // External etcd hosts (the guide's layout: kubeadm/etcd-host.ts), all members at once.
    ...hostsByRole(cfg, 'etcd').map((e) =>
      writeKubeadmEtcdHost(cfg, e, hostRoot(cfg.stateDir, e.name), cas, {
        etcdImageTag,
        extraArgs: [etcdMetrics],
      }),
    ),
    writeKubeadmControlPlanes(
      cfg,
      {
        etcdBootstrap: 'bootstrap-all',
        etcdImageTag,
        // Prometheus on another host scrapes etcd's metrics (kubeadm's default is 127.0.0.1 only),
        // and the controller-manager's and scheduler's /metrics on 10257/10259: kubeadm binds them
        // to 127.0.0.1, and kube-prometheus tells kubeadm users to set `bind-address: 0.0.0.0` in
        // the ClusterConfiguration's controllerManager/scheduler extraArgs (its probes then
        // target the pod IP, the host's: manifests.ts leaderElectedPod).
        extraArgs: {
          etcd: [etcdMetrics],
          controllerManager: [['bind-address', '0.0.0.0']],
          scheduler: [['bind-address', '0.0.0.0']],
        },
      },
      cas,
    ),
    ...hostsByRole(cfg, 'worker').map((w) => writeWorkerFiles(cfg, w, cas)),
  ]);
  return cas;
}

/**
 * What `kubeadm join` leaves on a worker once its kubelet has bootstrapped: the kubelet's rotated
 * client certificate (`system:node:<name>` in `system:nodes`) and the kubelet.conf the kubelet wrote
 * for it, through the VIP (kubeadm/kubelet-client.ts), /etc/kubernetes/pki/ca.crt (the cluster CA,
 * which the KubeletConfiguration's authentication.x509.clientCAFile names: the kubelet's server
 * verifies client certificates with it), /var/lib/kubelet/config.yaml (the cluster's
 * KubeletConfiguration, the same as the control planes') and an empty manifest directory.
 */
async function writeWorkerFiles(cfg: LabConfig, w: LabHost, cas: KubeadmCas): Promise<void> {
  const root = hostRoot(cfg.stateDir, w.name);
  await writeKubeletConfig(cfg, root);
  const pki = path.join(root, 'etc/kubernetes/pki');
  await fs.promises.mkdir(pki, { recursive: true });
  await fs.promises.copyFile(cas.ca.cert, path.join(pki, 'ca.crt'));
  await finalizeKubeletClient(root, cas, w.name, { server: `https://${cfg.vip}:${cfg.apiPort}` });
}

/** kubeadm's control-plane taint (cmd/kubeadm/app/constants: ControlPlaneTaint). */
export const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane:NoSchedule';

/**
 * The kubelet of a host, as kubeadm's systemd drop-in starts it (10-kubeadm.conf: `kubelet
 * --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml
 * $KUBELET_KUBEADM_ARGS`), under the restart loop as systemd's `Restart=always` would. The node
 * name is the host's hostname (kubeadm passes --hostname-override only when they differ). On a
 * control plane it runs the static pods of /etc/kubernetes/manifests (staticPodPath) and
 * registers with kubeadm's taint (`--register-with-taints`, which `kubeadm join
 * --control-plane` writes to kubeadm-flags.env: cmd/kubeadm/app/phases/kubelet/flags.go). On a
 * worker the manifest directory is empty, as after `kubeadm join`. An external etcd host's kubelet
 * is started as the HA etcd guide's drop-in 20-etcd-service-manager.conf does: `kubelet
 * --config=/etc/systemd/system/kubelet.service.d/kubelet.conf`, no kubeconfig, so standalone
 * (src/kube/kubelet/main.ts), running the etcd static pod only. The `--lab-*` flags are ours:
 * the emulated pods' start delay and the crash back-off of the preset.
 */
export function kubeletSpec(cfg: LabConfig, h: LabHost): ComponentSpec {
  const k = cfg.timings.kubelet;
  const flags =
    h.role === 'etcd'
      ? [`--config=${ETCD_HOST_KUBELET_CONFIG}`]
      : [
          // 10-kubeadm.conf's KUBELET_KUBECONFIG_ARGS; the bootstrap file is gone after join, so an
          // expired client certificate is a failed start (src/kube/kubelet/bootstrap.ts).
          '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf',
          '--kubeconfig=/etc/kubernetes/kubelet.conf',
          '--config=/var/lib/kubelet/config.yaml',
          `--node-ip=${h.ip}`,
          ...(h.role === 'control-plane' ? [`--register-with-taints=${CONTROL_PLANE_TAINT}`] : []),
          `--lab-pod-start-delay=${k.podStartDelayMs}ms`,
        ];
  return {
    host: h.name,
    netns: h.netns,
    name: 'kubelet',
    cwd: PROJECT_ROOT,
    env: pathEnv(cfg),
    argv: [
      'sh',
      '-c',
      RESTART_LOOP,
      'kubelet',
      'kubelet',
      ...flags,
      `--lab-crash-backoff=${k.crashBackoffInitialS}s`,
      `--lab-crash-backoff-max=${k.crashBackoffMaxS}s`,
    ],
  };
}

/** The version of the etcd binary the lab runs (Debian's), e.g. `3.4.23`. */
export function installedEtcdVersion(): string {
  const out = execFileSync('etcd', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const m = /etcd Version: (\d+\.\d+\.\d+)/.exec(out);
  if (!m) throw new Error(`cannot read the version from 'etcd --version': ${out.trim().slice(0, 200)}`);
  return m[1]!;
}
