/**
 * kubeadm's PKI for one control-plane host, in kubeadm's layout under `<root>/etc/kubernetes/pki`.
 * The CAs and the service-account key are made once and shared (`kubeadm join --control-plane`
 * copies ca, sa, front-proxy-ca and etcd/ca from the first control plane); every other
 * certificate is issued per host, as join does.
 *
 * Names, CNs, organizations, SANs and extended key usages are kubeadm's
 * (kubernetes/kubernetes cmd/kubeadm/app/phases/certs/certlist.go; SANs:
 * cmd/kubeadm/app/util/pkiutil/pki_helpers.go GetAPIServerAltNames, GetEtcdAltNames,
 * GetEtcdPeerAltNames). Key usage: pki_helpers.go NewSignedCert sets
 * KeyEncipherment|DigitalSignature on leaves; CAs (client-go util/cert NewSelfSignedCACert)
 * KeyEncipherment|DigitalSignature|CertSign. Validity: CAs 10 years, leaves 1 year
 * (constants.CertificateValidity). Keys are ECDSA P-256 (kubeadm's `encryptionAlgorithm:
 * ECDSA-P256`; its default RSA-2048 is much slower to generate with openssl).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type CertPair, ensureCa, ensureKeyPair, ensureLeaf } from '../pki/index.ts';
import { API_SERVICE_IP, CERTIFICATES_DIR, DNS_DOMAIN } from './constants.ts';

/** The shared authorities, in a directory laid out like /etc/kubernetes/pki. */
export interface KubeadmCas {
  readonly dir: string;
  readonly ca: CertPair;
  readonly frontProxyCa: CertPair;
  readonly etcdCa: CertPair;
  readonly sa: { readonly key: string; readonly pub: string };
}

const CA_KEY_USAGE = 'critical,digitalSignature,keyEncipherment,keyCertSign';
const LEAF_DAYS = 365;

/** Creates (or reuses) kubeadm's CAs and sa key pair in `dir` (ca.*, front-proxy-ca.*, etcd/ca.*, sa.*). */
export async function ensureKubeadmCas(dir: string): Promise<KubeadmCas> {
  const ca = (d: string, name: string, cn: string) => ensureCa(d, 3650, { name, cn, keyUsage: CA_KEY_USAGE });
  const [c, fp, etcd, sa] = await Promise.all([
    ca(dir, 'ca', 'kubernetes'),
    ca(dir, 'front-proxy-ca', 'front-proxy-ca'),
    ca(path.join(dir, 'etcd'), 'ca', 'etcd-ca'),
    ensureKeyPair(dir, 'sa'),
  ]);
  return { dir, ca: c, frontProxyCa: fp, etcdCa: etcd, sa };
}

export interface PkiHostSpec {
  /** Node name (cp1): etcd server/peer CN and a DNS SAN of apiserver/etcd certificates. */
  readonly name: string;
  /** Advertise address. */
  readonly ip: string;
  /** controlPlaneEndpoint host (the VIP): an apiserver SAN. */
  readonly controlPlaneEndpoint: string;
}

/** The files kubeadm keeps in /etc/kubernetes/pki, relative to it. */
export const KUBEADM_PKI_FILES = [
  'ca.crt',
  'ca.key',
  'sa.key',
  'sa.pub',
  'front-proxy-ca.crt',
  'front-proxy-ca.key',
  'etcd/ca.crt',
  'etcd/ca.key',
  'apiserver.crt',
  'apiserver.key',
  'apiserver-kubelet-client.crt',
  'apiserver-kubelet-client.key',
  'apiserver-etcd-client.crt',
  'apiserver-etcd-client.key',
  'front-proxy-client.crt',
  'front-proxy-client.key',
  'etcd/server.crt',
  'etcd/server.key',
  'etcd/peer.crt',
  'etcd/peer.key',
  'etcd/healthcheck-client.crt',
  'etcd/healthcheck-client.key',
] as const;

/**
 * A control plane with external etcd (the kubeadm HA guide, "External etcd nodes"): no etcd
 * member, so no etcd/server, etcd/peer, etcd/healthcheck-client and no etcd CA key: the
 * guide copies only etcd/ca.crt and apiserver-etcd-client.{crt,key} from the etcd cluster.
 */
export const KUBEADM_EXTERNAL_ETCD_PKI_FILES = KUBEADM_PKI_FILES.filter(
  (f) => f === 'etcd/ca.crt' || !f.startsWith('etcd/'),
);

/**
 * An external etcd host's /etc/kubernetes/pki, as setup-ha-etcd-with-kubeadm.md's "Ensure all
 * expected files exist" lists it: the etcd CA (its key on HOST0 only, where the guide made the
 * certificates: the others' copies are deleted), the member's server, peer and healthcheck-client
 * certificates and an apiserver-etcd-client pair.
 */
export const ETCD_HOST_PKI_FILES = KUBEADM_PKI_FILES.filter(
  (f) => (f.startsWith('etcd/') && f !== 'etcd/ca.key') || f.startsWith('apiserver-etcd-client.'),
);

/** Host path of a file of /etc/kubernetes/pki under `root`. */
export const hostPkiPath = (root: string, file: string): string => path.join(root, CERTIFICATES_DIR, file);

/**
 * Writes one host's /etc/kubernetes/pki under `root`: copies the shared CAs and sa key pair
 * (skipped when already there) and issues the host's own certificates (reused when present).
 */
export async function writeHostPki(
  root: string,
  cas: KubeadmCas,
  h: PkiHostSpec,
  etcd: 'stacked' | 'external' = 'stacked',
): Promise<void> {
  const dir = path.join(root, CERTIFICATES_DIR);
  const etcdDir = path.join(dir, 'etcd');
  await mkdir(etcdDir, { recursive: true, mode: 0o755 });
  const shared: [string, string][] = [
    [cas.ca.cert, 'ca.crt'],
    [cas.ca.key, 'ca.key'],
    [cas.sa.key, 'sa.key'],
    [cas.sa.pub, 'sa.pub'],
    [cas.frontProxyCa.cert, 'front-proxy-ca.crt'],
    [cas.frontProxyCa.key, 'front-proxy-ca.key'],
    [cas.etcdCa.cert, 'etcd/ca.crt'],
    ...(etcd === 'stacked' ? ([[cas.etcdCa.key, 'etcd/ca.key']] as [string, string][]) : []),
  ];
  for (const [from, to] of shared) await copyFile(from, path.join(dir, to));
  const ca = { cert: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key') };
  const fpCa = { cert: path.join(dir, 'front-proxy-ca.crt'), key: path.join(dir, 'front-proxy-ca.key') };
  // Signed with the shared etcd CA (an external control plane has no copy of its key).
  const etcdCa = { cert: path.join(etcdDir, 'ca.crt'), key: cas.etcdCa.key };
  const days = LEAF_DAYS;
  // GetAPIServerAltNames: node name, kubernetes, kubernetes.default, kubernetes.default.svc,
  // kubernetes.default.svc.<dnsDomain>; IPs: the service IP, the advertise address, and the
  // controlPlaneEndpoint host (an IP here, so an IP SAN).
  const apiDns = [
    h.name,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${DNS_DOMAIN}`,
  ];
  const apiIps = [...new Set([API_SERVICE_IP, h.ip, h.controlPlaneEndpoint])];
  await Promise.all([
    ensureLeaf(dir, ca, {
      name: 'apiserver',
      cn: 'kube-apiserver',
      usage: 'server',
      dnsNames: apiDns,
      ips: apiIps,
      days,
    }),
    ensureLeaf(dir, ca, {
      name: 'apiserver-kubelet-client',
      cn: 'kube-apiserver-kubelet-client',
      groups: ['kubeadm:cluster-admins'],
      usage: 'client',
      days,
    }),
    apiserverEtcdClient(dir, etcdCa),
    ensureLeaf(dir, fpCa, { name: 'front-proxy-client', cn: 'front-proxy-client', usage: 'client', days }),
    ...(etcd === 'stacked' ? [etcdMemberLeaves(etcdDir, etcdCa, h)] : []),
  ]);
}

/** The apiserver's client certificate for etcd, from the etcd CA (certlist.go), in `dir` (/etc/kubernetes/pki). */
const apiserverEtcdClient = (dir: string, etcdCa: CertPair) =>
  ensureLeaf(dir, etcdCa, {
    name: 'apiserver-etcd-client',
    cn: 'kube-apiserver-etcd-client',
    usage: 'client',
    days: LEAF_DAYS,
  });

/** etcd/server and etcd/peer (the same subject, SANs and usages: certlist.go) and etcd/healthcheck-client. */
async function etcdMemberLeaves(
  etcdDir: string,
  etcdCa: CertPair,
  h: Pick<PkiHostSpec, 'name' | 'ip'>,
): Promise<void> {
  // GetEtcdAltNames / GetEtcdPeerAltNames: node name, localhost; advertise address, 127.0.0.1, ::1.
  const dnsNames = [h.name, 'localhost'];
  const ips = [h.ip, '127.0.0.1', '::1'];
  await Promise.all([
    ...(['server', 'peer'] as const).map((name) =>
      ensureLeaf(etcdDir, etcdCa, {
        name,
        cn: h.name,
        usage: ['serverAuth', 'clientAuth'],
        dnsNames,
        ips,
        days: LEAF_DAYS,
      }),
    ),
    ensureLeaf(etcdDir, etcdCa, {
      name: 'healthcheck-client',
      cn: 'kube-etcd-healthcheck-client',
      usage: 'client',
      days: LEAF_DAYS,
    }),
  ]);
}

/**
 * An external etcd host's /etc/kubernetes/pki (ETCD_HOST_PKI_FILES): the guide's `kubeadm init
 * phase certs etcd-server|etcd-peer|etcd-healthcheck-client|apiserver-etcd-client` with the
 * host's own InitConfiguration (nodeRegistration.name, localAPIEndpoint.advertiseAddress: the
 * host's name and address in CN and SANs); `withCaKey` for HOST0, which keeps etcd/ca.key.
 */
export async function writeEtcdHostPki(
  root: string,
  cas: KubeadmCas,
  h: Pick<PkiHostSpec, 'name' | 'ip'>,
  withCaKey: boolean,
): Promise<void> {
  const dir = path.join(root, CERTIFICATES_DIR);
  const etcdDir = path.join(dir, 'etcd');
  await mkdir(etcdDir, { recursive: true, mode: 0o755 });
  await copyFile(cas.etcdCa.cert, path.join(etcdDir, 'ca.crt'));
  if (withCaKey) await copyFile(cas.etcdCa.key, path.join(etcdDir, 'ca.key'));
  const etcdCa = { cert: path.join(etcdDir, 'ca.crt'), key: cas.etcdCa.key };
  await Promise.all([etcdMemberLeaves(etcdDir, etcdCa, h), apiserverEtcdClient(dir, etcdCa)]);
}
