/**
 * A lab control-plane host laid out as a kubeadm node. Concepts, one module each:
 *   constants        kubeadm's paths, ports, names, versions
 *   pki              /etc/kubernetes/pki: shared CAs + sa (copied, as join does), per-host leaves
 *   kubeconfigs      admin.conf, super-admin.conf (init node only), controller-manager.conf,
 *                    scheduler.conf, kubelet.conf
 *   pod, manifests,  /etc/kubernetes/manifests/{kube-apiserver,kube-controller-manager,
 *   etcd-pod         kube-scheduler,etcd}.yaml (etcd adapted to Debian's 3.4: see etcd-pod.ts)
 *   kubelet-config   /var/lib/kubelet/config.yaml
 *   etcd-join        kubeadm join's etcd steps: add a learner, promote it once started
 * `writeKubeadmHost` writes all of it under a root directory (the host's view of `/`, which the
 * lab bind-mounts into the host's mount namespace). The first control plane is the `kubeadm
 * init` node; the others are `kubeadm join --control-plane` nodes, in order.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LabConfig, LabHost } from '../config.ts';
import { etcdHosts, etcdTopology, hostRoot, hostsByRole } from '../config.ts';
import { ETCD_DATA_DIR, KUBELET_CONFIG_FILE, KUBERNETES_VERSION, MANIFESTS_DIR } from './constants.ts';
import { clientUrl, type EtcdPodSpec, etcdPod } from './etcd-pod.ts';
import { type KubeletServer, writeHostKubeconfigs } from './kubeconfigs.ts';
import { finalizeKubeletClient } from './kubelet-client.ts';
import { kubeletConfiguration } from './kubelet-config.ts';
import { apiserverPod, type ComponentExtraArgs, controllerManagerPod, schedulerPod } from './manifests.ts';
import {
  ensureKubeadmCas,
  KUBEADM_EXTERNAL_ETCD_PKI_FILES,
  KUBEADM_PKI_FILES,
  type KubeadmCas,
  writeHostPki,
} from './pki.ts';
import type { ComponentPod, ExtraArgs } from './pod.ts';
import { toYaml } from './pod.ts';

export * as kubeadmConstants from './constants.ts';
export { ETCD_HOST_KUBELET_CONFIG, writeKubeadmEtcdHost } from './etcd-host.ts';
export type { KubeletServer } from './kubeconfigs.ts';
export { finalizeKubeletClient, KUBELET_CLIENT_CURRENT } from './kubelet-client.ts';
export { ensureKubeadmCas, KUBEADM_PKI_FILES, type KubeadmCas } from './pki.ts';

/**
 * How the etcd members' `--initial-cluster` is written. `kubeadm-join`: as kubeadm does (cp1
 * alone; cp2 = cp1,cp2 and cp3 = cp1,cp2,cp3 with `--initial-cluster-state=existing`: the lab
 * must `member add --learner` each joining member and promote it, as kubeadm join does, before
 * it starts). `bootstrap-all`: every member lists all three with state new (a static bootstrap,
 * not what kubeadm writes, but all members can start at once).
 */
export type EtcdBootstrap = 'kubeadm-join' | 'bootstrap-all';

export interface KubeadmHostOptions {
  /**
   * The etcd image tag (default kubeadm's for its version). Tools that pick etcdctl or etcdutl by
   * the member's version read it from this tag on nodes without a CRI (src/targets/kubeadm-etcd.ts),
   * so the lab writes the version of the etcd binary it really runs.
   */
  readonly etcdImageTag?: string;
  /** Image tags of the control-plane images (default v1.34.2). */
  readonly kubernetesVersion?: string;
  /** kubelet.conf's server (default `controlPlaneEndpoint`, the VIP; `local`: see KubeletServer). */
  readonly kubeletServer?: KubeletServer;
  /** Default `kubeadm-join`. */
  readonly etcdBootstrap?: EtcdBootstrap;
  /**
   * ClusterConfiguration extraArgs (`etcd.local.extraArgs`, `apiServer.extraArgs`, ...): added to
   * the lab's timing flags, replacing those of the same name. E.g. etcd
   * `['listen-metrics-urls', 'http://0.0.0.0:2381']` so Prometheus on another host can scrape it
   * (kubeadm's default serves etcd metrics on 127.0.0.1 only); the probes follow it as kubeadm's do.
   */
  readonly extraArgs?: ComponentExtraArgs & { readonly etcd?: ExtraArgs };
}

export const STATIC_POD_NAMES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
] as const;
export type StaticPodName = (typeof STATIC_POD_NAMES)[number];

function controlPlaneIndex(cfg: LabConfig, host: LabHost): { cps: LabHost[]; index: number } {
  const cps = hostsByRole(cfg, 'control-plane');
  const index = cps.findIndex((h) => h.name === host.name);
  if (index < 0) {
    throw new Error(
      `${host.name} is not a control plane: the kubeadm layout is for ${cps.map((h) => h.name).join(', ')}`,
    );
  }
  return { cps, index };
}

/** The spec of `host`'s etcd member: a stacked control plane's, or an external etcd host's. */
export function etcdPodSpec(
  cfg: LabConfig,
  host: LabHost,
  bootstrap: EtcdBootstrap = 'kubeadm-join',
): EtcdPodSpec {
  const hosts = etcdHosts(cfg);
  const index = hosts.findIndex((h) => h.name === host.name);
  if (index < 0)
    throw new Error(
      `${host.name} runs no etcd member: the members are ${hosts.map((h) => h.name).join(', ')}`,
    );
  const members = (bootstrap === 'kubeadm-join' ? hosts.slice(0, index + 1) : hosts).map((h) => ({
    name: h.name,
    ip: h.ip,
  }));
  const clusterState = bootstrap === 'kubeadm-join' && index > 0 ? 'existing' : 'new';
  return { name: host.name, ip: host.ip, initialCluster: members, clusterState };
}

/** The static Pods of a control plane (pure): the four when stacked, all but etcd when external. */
export type ControlPlanePods = Record<Exclude<StaticPodName, 'etcd'>, ComponentPod> & {
  readonly etcd?: ComponentPod;
};

export function renderStaticPods(
  cfg: LabConfig,
  host: LabHost,
  o: KubeadmHostOptions = {},
): ControlPlanePods {
  const external = etcdTopology(cfg) === 'external';
  const h = {
    ip: host.ip,
    apiPort: cfg.apiPort,
    kubernetesVersion: o.kubernetesVersion ?? KUBERNETES_VERSION,
    ...(external ? { etcdServers: etcdHosts(cfg).map((e) => clientUrl(e.ip)) } : {}),
  };
  const x = o.extraArgs ?? {};
  return {
    ...(external
      ? {}
      : { etcd: etcdPod(cfg, etcdPodSpec(cfg, host, o.etcdBootstrap), x.etcd, o.etcdImageTag) }),
    'kube-apiserver': apiserverPod(cfg, h, x.apiServer),
    'kube-controller-manager': controllerManagerPod(cfg, h, x.controllerManager),
    'kube-scheduler': schedulerPod(cfg, h, x.scheduler),
  };
}

export interface KubeadmHostLayout {
  readonly root: string;
  /** Every file written, as the host sees it (`/etc/kubernetes/admin.conf`, ...), sorted. */
  readonly files: string[];
  readonly pods: ControlPlanePods;
}

/**
 * Writes `host`'s kubeadm layout under `root`: <root>/etc/kubernetes/{pki,manifests,*.conf},
 * <root>/var/lib/kubelet/config.yaml and an empty <root>/var/lib/etcd (0700). Idempotent for
 * certificates and kubeconfigs (kept when present, as kubeadm); manifests and the kubelet
 * config are rewritten from `cfg`.
 */
export async function writeKubeadmHost(
  cfg: LabConfig,
  host: LabHost,
  root: string,
  cas: KubeadmCas,
  o: KubeadmHostOptions = {},
): Promise<KubeadmHostLayout> {
  const { index } = controlPlaneIndex(cfg, host);
  const at = (p: string) => path.join(root, p);
  const etcd = etcdTopology(cfg);
  await writeHostPki(root, cas, { name: host.name, ip: host.ip, controlPlaneEndpoint: cfg.vip }, etcd);
  const confs = await writeHostKubeconfigs(root, cas, {
    name: host.name,
    ip: host.ip,
    apiPort: cfg.apiPort,
    controlPlaneEndpoint: cfg.vip,
    init: index === 0,
    kubeletServer: o.kubeletServer ?? 'controlPlaneEndpoint',
  });
  // The kubelet's own rotated client certificate, kubelet.conf pointing at it (kubelet-finalize).
  const kubeletClient = await finalizeKubeletClient(root, cas, host.name);
  const pods = renderStaticPods(cfg, host, o);
  // staticpod/utils.go WriteStaticPodToDisk: directory 0700, files 0600
  await mkdir(at(MANIFESTS_DIR), { recursive: true, mode: 0o700 });
  const names = STATIC_POD_NAMES.filter((n) => pods[n] !== undefined);
  const manifests = names.map((n) => path.posix.join(MANIFESTS_DIR, `${n}.yaml`));
  for (const [i, n] of names.entries()) {
    await writeFile(at(manifests[i]!), toYaml(pods[n]!), { mode: 0o600 });
  }
  await writeKubeletConfig(cfg, root);
  if (etcd === 'stacked') {
    await mkdir(at(ETCD_DATA_DIR), { recursive: true, mode: 0o700 });
    await chmod(at(ETCD_DATA_DIR), 0o700);
  }
  const files = [
    ...(etcd === 'stacked' ? KUBEADM_PKI_FILES : KUBEADM_EXTERNAL_ETCD_PKI_FILES).map((f) =>
      path.posix.join('/etc/kubernetes/pki', f),
    ),
    ...confs.map((f) => `/${path.relative(root, f)}`),
    ...manifests,
    KUBELET_CONFIG_FILE,
    ...kubeletClient,
  ].sort();
  return { root, files, pods };
}

/**
 * <root>/var/lib/kubelet/config.yaml, the same on every node (kubeadm join downloads it from the
 * kubelet-config ConfigMap), and the static pod directory it names (empty on a worker).
 */
export async function writeKubeletConfig(cfg: LabConfig, root: string): Promise<void> {
  const at = (p: string) => path.join(root, p);
  await mkdir(at(MANIFESTS_DIR), { recursive: true, mode: 0o700 });
  await mkdir(path.dirname(at(KUBELET_CONFIG_FILE)), { recursive: true });
  await writeFile(at(KUBELET_CONFIG_FILE), toYaml(kubeletConfiguration(cfg)), { mode: 0o644 });
}

/** A control plane's root directory in the lab's state dir: `<stateDir>/kubeadm/<host>`. */
/** A host's own node paths on the machine (src/lab/host.ts bind-mounts them into the host). */
export const kubeadmRoot = (cfg: LabConfig, host: string): string => hostRoot(cfg.stateDir, host);

/** The shared CAs (`kubeadm init`'s): `<stateDir>/kubeadm/cas`, laid out like /etc/kubernetes/pki. */
export const kubeadmCasDir = (cfg: LabConfig): string => path.join(cfg.stateDir, 'kubeadm', 'cas');

/**
 * Writes every control plane's layout under `kubeadmRoot(cfg, host)`, each as its place in the
 * init/join order makes it, with the CAs in `kubeadmCasDir(cfg)` (made once; `cas` when the caller
 * already has them); idempotent as writeKubeadmHost.
 */
export async function writeKubeadmControlPlanes(
  cfg: LabConfig,
  o: KubeadmHostOptions = {},
  known?: KubeadmCas,
): Promise<Record<string, KubeadmHostLayout>> {
  const cas = known ?? (await ensureKubeadmCas(kubeadmCasDir(cfg)));
  // Each host's files depend only on the CAs and its place in the init/join order (its index),
  // not on another host's files: written side by side (openssl runs dominate `lab up`'s start).
  const cps = hostsByRole(cfg, 'control-plane');
  const layouts = await Promise.all(
    cps.map((h) => writeKubeadmHost(cfg, h, kubeadmRoot(cfg, h.name), cas, o)),
  );
  return Object.fromEntries(cps.map((h, i) => [h.name, layouts[i]!]));
}
