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
import YAML from 'yaml';
import { PROJECT_ROOT } from '../util/paths.ts';
import { type BundledComponent, bundlePath } from './bundle.ts';
import type { LabConfig, LabHost } from './config.ts';
import { hostRoot, hostsByRole } from './config.ts';
import {
  ensureKubeadmCas,
  type KubeadmCas,
  kubeadmCasDir,
  type StaticPodName,
  writeKubeadmControlPlanes,
} from './kubeadm/index.ts';
import { ensureClientCert, writeKubeconfig } from './pki/index.ts';
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

/** `<stateDir>/bin/<binary>`: exec the bundled component under its upstream name. */
export function writeBinaries(cfg: LabConfig): void {
  const dir = labBinDir(cfg);
  fs.mkdirSync(dir, { recursive: true });
  for (const b of BINARIES) {
    const script = `#!/bin/sh\n# ha-drill lab: ${b} is the bundled emulated component\nexec ${JSON.stringify(process.execPath)} --max-semi-space-size=1 ${JSON.stringify(bundlePath(b))} "$@"\n`;
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
  await writeKubeadmControlPlanes(cfg, {
    etcdBootstrap: 'bootstrap-all',
    etcdImageTag: `${installedEtcdVersion()}-0`,
    // Prometheus on another host scrapes etcd's metrics (kubeadm's default is 127.0.0.1 only).
    extraArgs: { etcd: [['listen-metrics-urls', 'http://0.0.0.0:2381']] },
  });
  const cas = await ensureKubeadmCas(kubeadmCasDir(cfg));
  for (const w of hostsByRole(cfg, 'worker')) await writeWorkerKubeconfig(cfg, w, cas);
  return cas;
}

/** /etc/kubernetes/kubelet.conf of a worker: `system:node:<name>` in `system:nodes`, through the VIP. */
async function writeWorkerKubeconfig(cfg: LabConfig, w: LabHost, cas: KubeadmCas): Promise<void> {
  const pki = path.join(hostRoot(cfg.stateDir, w.name), 'etc/kubernetes/pki');
  const cert = await ensureClientCert(pki, cas.ca, 'kubelet-client', `system:node:${w.name}`, [
    'system:nodes',
  ]);
  await writeKubeconfig(path.join(hostRoot(cfg.stateDir, w.name), 'etc/kubernetes/kubelet.conf'), {
    server: `https://${cfg.vip}:${cfg.apiPort}`,
    caFile: cas.ca.cert,
    clientCert: cert.cert,
    clientKey: cert.key,
    contextName: `system:node:${w.name}@kubernetes`,
  });
}

/** The command line of a static pod's (only) container, read from the host's manifest. */
export function manifestCommand(cfg: LabConfig, h: LabHost, pod: StaticPodName): string[] {
  const file = path.join(hostRoot(cfg.stateDir, h.name), 'etc/kubernetes/manifests', `${pod}.yaml`);
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as {
    spec?: { containers?: { command?: string[]; args?: string[] }[] };
  };
  const c = doc.spec?.containers?.[0];
  if (!c?.command?.length)
    throw new Error(`${file} has no container command: rewrite it with 'npm run lab -- up'`);
  return [...c.command, ...(c.args ?? [])];
}

export function staticPodSpec(cfg: LabConfig, h: LabHost, pod: StaticPodName): ComponentSpec {
  const argv = manifestCommand(cfg, h, pod);
  return {
    host: h.name,
    netns: h.netns,
    name: pod,
    cwd: PROJECT_ROOT,
    env: pathEnv(cfg),
    // etcd runs as it is; our components under the restart loop (see RESTART_LOOP).
    argv: pod === 'etcd' ? argv : ['sh', '-c', RESTART_LOOP, pod, ...argv],
  };
}

export function kubeletSpec(cfg: LabConfig, h: LabHost): ComponentSpec {
  const k = cfg.timings.kubelet;
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
      '--kubeconfig=/etc/kubernetes/kubelet.conf',
      `--hostname-override=${h.name}`,
      `--node-ip=${h.ip}`,
      `--node-lease-duration-seconds=${k.nodeLeaseDurationS}`,
      `--node-status-update-frequency=${k.nodeStatusUpdateFrequencyS}s`,
      `--lab-pod-start-delay=${k.podStartDelayMs}ms`,
      // No static pods on a worker (kubeadm join writes no manifests there).
      '--pod-manifest-path=',
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
