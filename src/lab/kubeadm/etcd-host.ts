/**
 * An external etcd host, laid out as kubeadm's guide "Set up a High Availability etcd cluster with
 * kubeadm" leaves it (kubernetes/website content/en/docs/setup/production-environment/tools/
 * kubeadm/setup-ha-etcd-with-kubeadm.md):
 *  1. the kubelet as etcd's service manager: a standalone kubelet (no kubeconfig) started by the
 *     drop-in `20-etcd-service-manager.conf` as `kubelet --config=<ETCD_HOST_KUBELET_CONFIG>`,
 *     whose KubeletConfiguration is the guide's (`etcdHostKubeletConfiguration`);
 *  2. a kubeadm config per host whose `etcd.local.extraArgs` make the member listen and
 *     advertise on the host's address only (`etcdHostExtraArgs`), all members in
 *     `initial-cluster` with state `new`;
 *  3. certificates from one etcd CA (pki.ts writeEtcdHostPki: the key on HOST0 only);
 *  4. `kubeadm init phase etcd local`: /etc/kubernetes/manifests/etcd.yaml, the same manifest
 *     builder as a stacked member's (etcd-pod.ts) with those extraArgs.
 * The control planes then get `etcd.external.endpoints` (manifests.ts: --etcd-servers lists them).
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LabConfig, LabHost } from '../config.ts';
import { etcdHosts } from '../config.ts';
import { ETCD_DATA_DIR, ETCD_IMAGE_TAG, MANIFESTS_DIR } from './constants.ts';
import { clientUrl, etcdPod, peerUrl } from './etcd-pod.ts';
import { ETCD_HOST_PKI_FILES, type KubeadmCas, writeEtcdHostPki } from './pki.ts';
import { type ComponentPod, type ExtraArgs, mergeExtra, toYaml } from './pod.ts';

/** The guide's KubeletConfiguration file for the etcd hosts' standalone kubelet. */
export const ETCD_HOST_KUBELET_CONFIG = '/etc/systemd/system/kubelet.service.d/kubelet.conf';

/**
 * The guide's file verbatim (cgroupDriver and containerRuntimeEndpoint are read by a real
 * kubelet only: ours runs processes). Anonymous and webhook authentication off, no client CA: its
 * server on 127.0.0.1:10250 answers no one, as on the guide's hosts.
 */
export function etcdHostKubeletConfiguration() {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    cgroupDriver: 'systemd',
    address: '127.0.0.1',
    containerRuntimeEndpoint: 'unix:///var/run/containerd/containerd.sock',
    staticPodPath: MANIFESTS_DIR,
  };
}

/** The guide's `etcd.local.extraArgs` for one host (v1beta4 list form, same names and values). */
export function etcdHostExtraArgs(members: readonly LabHost[], host: LabHost): ExtraArgs {
  return [
    ['initial-cluster', members.map((m) => `${m.name}=${peerUrl(m.ip)}`).join(',')],
    ['initial-cluster-state', 'new'],
    ['name', host.name],
    ['listen-peer-urls', peerUrl(host.ip)],
    ['listen-client-urls', clientUrl(host.ip)],
    ['advertise-client-urls', clientUrl(host.ip)],
    ['initial-advertise-peer-urls', peerUrl(host.ip)],
  ];
}

export interface EtcdHostOptions {
  readonly etcdImageTag?: string;
  /** The lab's own etcd extraArgs on top of the guide's (e.g. listen-metrics-urls), replacing by name. */
  readonly extraArgs?: ExtraArgs;
}

/** The etcd static Pod of an external etcd host (pure). */
export function etcdHostPod(cfg: LabConfig, host: LabHost, o: EtcdHostOptions = {}): ComponentPod {
  const members = etcdHosts(cfg);
  if (!members.some((m) => m.name === host.name) || host.role !== 'etcd')
    throw new Error(
      `${host.name} is not an external etcd host: they are ${members
        .filter((m) => m.role === 'etcd')
        .map((m) => m.name)
        .join(', ')}`,
    );
  return etcdPod(
    cfg,
    { name: host.name, ip: host.ip, initialCluster: members, clusterState: 'new' },
    mergeExtra(etcdHostExtraArgs(members, host), o.extraArgs ?? []),
    o.etcdImageTag ?? ETCD_IMAGE_TAG,
  );
}

/**
 * Writes `host`'s files under `root`: /etc/kubernetes/pki (ETCD_HOST_PKI_FILES, plus etcd/ca.key
 * on the first host), /etc/kubernetes/manifests/etcd.yaml, the kubelet's config file and an empty
 * /var/lib/etcd (0700). Returns every file written, as the host sees it, sorted.
 */
export async function writeKubeadmEtcdHost(
  cfg: LabConfig,
  host: LabHost,
  root: string,
  cas: KubeadmCas,
  o: EtcdHostOptions = {},
): Promise<string[]> {
  const at = (p: string) => path.join(root, p);
  const pod = etcdHostPod(cfg, host, o);
  const first = etcdHosts(cfg)[0]!.name === host.name;
  await writeEtcdHostPki(root, cas, host, first);
  // staticpod/utils.go WriteStaticPodToDisk: directory 0700, file 0600
  await mkdir(at(MANIFESTS_DIR), { recursive: true, mode: 0o700 });
  const manifest = path.posix.join(MANIFESTS_DIR, 'etcd.yaml');
  await writeFile(at(manifest), toYaml(pod), { mode: 0o600 });
  await mkdir(path.dirname(at(ETCD_HOST_KUBELET_CONFIG)), { recursive: true });
  await writeFile(at(ETCD_HOST_KUBELET_CONFIG), toYaml(etcdHostKubeletConfiguration()), { mode: 0o644 });
  await mkdir(at(ETCD_DATA_DIR), { recursive: true, mode: 0o700 });
  await chmod(at(ETCD_DATA_DIR), 0o700);
  return [
    ...ETCD_HOST_PKI_FILES.map((f) => path.posix.join('/etc/kubernetes/pki', f)),
    ...(first ? ['/etc/kubernetes/pki/etcd/ca.key'] : []),
    manifest,
    ETCD_HOST_KUBELET_CONFIG,
  ].sort();
}
