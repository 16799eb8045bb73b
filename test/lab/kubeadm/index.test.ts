/**
 * The kubeadm layout of the lab's control planes, written into a temp root: the exact file list,
 * the static Pods parsed back with `yaml` against kubeadm's shape (labels, annotations, probes,
 * volumes, flags, the lab's timings), the kubeconfigs, the kubelet config, and every certificate
 * checked with the real `openssl` (chain, CN/O, SANs, key usages).
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import YAML from 'yaml';
import { hostByName, labConfig } from '../../../src/lab/config.ts';
import {
  ensureKubeadmCas,
  kubeadmCasDir,
  kubeadmRoot,
  writeKubeadmControlPlanes,
  writeKubeadmHost,
} from '../../../src/lab/kubeadm/index.ts';

const run = promisify(execFile);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'hadrill-kubeadm-'));
t.teardown(() => rm(tmp, { recursive: true, force: true }));

const cfg = labConfig({ preset: 'fast', stateDir: tmp });
const cas = await ensureKubeadmCas(path.join(tmp, 'cas'));
const roots = { cp1: path.join(tmp, 'cp1'), cp2: path.join(tmp, 'cp2') };
const cp1 = await writeKubeadmHost(cfg, hostByName(cfg, 'cp1'), roots.cp1, cas);
const cp2 = await writeKubeadmHost(cfg, hostByName(cfg, 'cp2'), roots.cp2, cas, {
  kubeletServer: 'local',
});

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p, base)));
    else out.push(`/${path.relative(base, p)}`);
  }
  return out.sort();
}

const openssl = async (args: string[]) => (await run('openssl', args)).stdout;
const x509 = (root: string, f: string) =>
  openssl([
    'x509',
    '-noout',
    '-text',
    '-nameopt',
    'RFC2253',
    '-in',
    path.join(root, 'etc/kubernetes/pki', f),
  ]);
const read = (root: string, f: string) => readFile(path.join(root, f), 'utf8');

t.test('exact file list: kubeadm init node (cp1) and a join node (cp2)', async (t) => {
  const pki = [
    'apiserver-etcd-client.crt',
    'apiserver-etcd-client.key',
    'apiserver-kubelet-client.crt',
    'apiserver-kubelet-client.key',
    'apiserver.crt',
    'apiserver.key',
    'ca.crt',
    'ca.key',
    'etcd/ca.crt',
    'etcd/ca.key',
    'etcd/healthcheck-client.crt',
    'etcd/healthcheck-client.key',
    'etcd/peer.crt',
    'etcd/peer.key',
    'etcd/server.crt',
    'etcd/server.key',
    'front-proxy-ca.crt',
    'front-proxy-ca.key',
    'front-proxy-client.crt',
    'front-proxy-client.key',
    'sa.key',
    'sa.pub',
  ].map((f) => `/etc/kubernetes/pki/${f}`);
  const common = [
    ...pki,
    '/etc/kubernetes/admin.conf',
    '/etc/kubernetes/controller-manager.conf',
    '/etc/kubernetes/kubelet.conf',
    '/etc/kubernetes/scheduler.conf',
    '/etc/kubernetes/manifests/etcd.yaml',
    '/etc/kubernetes/manifests/kube-apiserver.yaml',
    '/etc/kubernetes/manifests/kube-controller-manager.yaml',
    '/etc/kubernetes/manifests/kube-scheduler.yaml',
    '/var/lib/kubelet/config.yaml',
    '/var/lib/kubelet/pki/kubelet-client-current.pem',
  ];
  // The rotated certificate's own file, named for when it was written (kubelet-client.ts).
  const pem = (files: string[]) =>
    files.filter((f) => /^\/var\/lib\/kubelet\/pki\/kubelet-client-\d{4}(-\d\d){5}\.pem$/.test(f));
  t.equal(pem(cp1.files).length, 1, 'one timestamped pem');
  common.push(...pem(cp1.files));
  t.same(await walk(roots.cp1), [...common, '/etc/kubernetes/super-admin.conf'].sort());
  t.same(cp1.files, await walk(roots.cp1), 'the returned list is what is on disk');
  t.same(
    await walk(roots.cp2),
    [...common.filter((f) => !pem(cp1.files).includes(f)), ...pem(cp2.files)].sort(),
    'join nodes get no super-admin.conf',
  );
  t.same(cp2.files, await walk(roots.cp2));
  t.ok((await stat(path.join(roots.cp1, 'var/lib/etcd'))).isDirectory());
  t.equal((await stat(path.join(roots.cp1, 'var/lib/etcd'))).mode & 0o777, 0o700);
  t.equal((await stat(path.join(roots.cp1, 'etc/kubernetes/manifests/etcd.yaml'))).mode & 0o777, 0o600);
  for (const k of ['ca.key', 'sa.key', 'apiserver.key', 'etcd/peer.key']) {
    t.equal((await stat(path.join(roots.cp2, 'etc/kubernetes/pki', k))).mode & 0o777, 0o600, `${k} private`);
  }
  await t.rejects(writeKubeadmHost(cfg, hostByName(cfg, 'w1'), tmp, cas), /not a control plane/);
});

t.test('idempotent: certificates and kubeconfigs are kept, as kubeadm keeps existing files', async (t) => {
  const files = [
    'etc/kubernetes/pki/apiserver.crt',
    'etc/kubernetes/pki/ca.key',
    'etc/kubernetes/admin.conf',
  ];
  const before = await Promise.all(files.map((f) => read(roots.cp1, f)));
  await writeKubeadmHost(cfg, hostByName(cfg, 'cp1'), roots.cp1, cas);
  t.same(await Promise.all(files.map((f) => read(roots.cp1, f))), before);
});

t.test('certificates: chains, subjects, SANs and key usages as kubeadm', async (t) => {
  const pkiOf = (root: string, f: string) => path.join(root, 'etc/kubernetes/pki', f);
  for (const [ca, leaves] of [
    ['ca.crt', ['apiserver.crt', 'apiserver-kubelet-client.crt']],
    ['front-proxy-ca.crt', ['front-proxy-client.crt']],
    [
      'etcd/ca.crt',
      ['etcd/server.crt', 'etcd/peer.crt', 'etcd/healthcheck-client.crt', 'apiserver-etcd-client.crt'],
    ],
  ] as const) {
    for (const leaf of leaves) {
      const out = await openssl(['verify', '-CAfile', pkiOf(roots.cp2, ca), pkiOf(roots.cp2, leaf)]);
      t.match(out, /: OK/, `${leaf} verifies against ${ca}`);
    }
  }
  t.equal(
    await read(roots.cp1, 'etc/kubernetes/pki/ca.crt'),
    await read(roots.cp2, 'etc/kubernetes/pki/ca.crt'),
    'CAs shared',
  );
  t.not(
    await read(roots.cp1, 'etc/kubernetes/pki/apiserver.crt'),
    await read(roots.cp2, 'etc/kubernetes/pki/apiserver.crt'),
  );
  await t.rejects(
    openssl(['verify', '-CAfile', pkiOf(roots.cp2, 'ca.crt'), pkiOf(roots.cp2, 'etcd/server.crt')]),
    'etcd certificates are not signed by the cluster CA',
  );

  const ca = await x509(roots.cp2, 'ca.crt');
  t.match(ca, /Subject: CN=kubernetes\n/);
  t.match(ca, /CA:TRUE/);
  t.match(ca, /Digital Signature, Key Encipherment, Certificate Sign/);
  t.match(await x509(roots.cp2, 'etcd/ca.crt'), /Subject: CN=etcd-ca\n/);
  t.match(await x509(roots.cp2, 'front-proxy-ca.crt'), /Subject: CN=front-proxy-ca\n/);

  const api = await x509(roots.cp2, 'apiserver.crt');
  t.match(api, /Subject: CN=kube-apiserver\n/);
  t.match(api, /TLS Web Server Authentication\n/);
  t.match(api, /Digital Signature, Key Encipherment\n/);
  t.match(
    api,
    'DNS:cp2, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP Address:10.96.0.1, IP Address:198.18.0.12, IP Address:198.18.0.10',
  );
  for (const f of ['etcd/server.crt', 'etcd/peer.crt']) {
    const c = await x509(roots.cp2, f);
    t.match(c, /Subject: CN=cp2\n/, `${f} CN = node name`);
    t.match(c, /TLS Web Server Authentication, TLS Web Client Authentication/);
    t.match(
      c,
      'DNS:cp2, DNS:localhost, IP Address:198.18.0.12, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
  }
  const subjects: [string, string][] = [
    ['apiserver-kubelet-client.crt', 'Subject: O=kubeadm:cluster-admins,CN=kube-apiserver-kubelet-client\n'],
    ['apiserver-etcd-client.crt', 'Subject: CN=kube-apiserver-etcd-client\n'],
    ['front-proxy-client.crt', 'Subject: CN=front-proxy-client\n'],
    ['etcd/healthcheck-client.crt', 'Subject: CN=kube-etcd-healthcheck-client\n'],
  ];
  for (const [f, subject] of subjects) {
    const c = await x509(roots.cp2, f);
    t.match(c, subject, f);
    t.match(c, /Extended Key Usage: \n\s+TLS Web Client Authentication\n/, `${f}: clientAuth only`);
    t.notMatch(c, /Subject Alternative Name/);
  }
  const pub = await openssl(['pkey', '-in', pkiOf(roots.cp1, 'sa.key'), '-pubout']);
  t.equal(pub, await read(roots.cp1, 'etc/kubernetes/pki/sa.pub'), "sa.pub is sa.key's public key");
});

t.test('kubeconfigs: users, groups, servers, names', async (t) => {
  const conf = async (root: string, f: string) => YAML.parse(await read(root, `etc/kubernetes/${f}`));
  const expect: [string, string, string, string][] = [
    [
      'admin.conf',
      'kubernetes-admin',
      'O=kubeadm:cluster-admins,CN=kubernetes-admin',
      'https://198.18.0.10:6443',
    ],
    [
      'super-admin.conf',
      'kubernetes-super-admin',
      'O=system:masters,CN=kubernetes-super-admin',
      'https://198.18.0.10:6443',
    ],
    [
      'controller-manager.conf',
      'system:kube-controller-manager',
      'CN=system:kube-controller-manager',
      'https://198.18.0.11:6443',
    ],
    ['scheduler.conf', 'system:kube-scheduler', 'CN=system:kube-scheduler', 'https://198.18.0.11:6443'],
    ['kubelet.conf', 'system:node:cp1', 'O=system:nodes,CN=system:node:cp1', 'https://198.18.0.10:6443'],
  ];
  for (const [f, user, subject, server] of expect) {
    const k = await conf(roots.cp1, f);
    t.equal(k.clusters[0].name, 'kubernetes', `${f}: cluster name`);
    t.equal(k.clusters[0].cluster.server, server, `${f}: server`);
    t.equal(k.users[0].name, user);
    t.equal(k['current-context'], `${user}@kubernetes`);
    // kubelet.conf names the kubelet's rotated certificate, the others embed theirs.
    const u = k.users[0].user;
    const pem = u['client-certificate-data']
      ? Buffer.from(u['client-certificate-data'], 'base64').toString()
      : // A symlink to a node path: resolved under the host's root.
        await read(roots.cp1, await readlink(path.join(roots.cp1, u['client-certificate'])));
    const subj = await new Promise<string>((resolve, reject) => {
      const p = execFile('openssl', ['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], (e, so) =>
        e ? reject(e) : resolve(so),
      );
      p.stdin?.end(pem);
    });
    t.equal(subj.trim(), `subject=${subject}`, `${f}: client certificate subject`);
  }
  const kubelet2 = await conf(roots.cp2, 'kubelet.conf');
  t.equal(
    kubelet2.clusters[0].cluster.server,
    'https://198.18.0.12:6443',
    'kubeletServer: local (ControlPlaneKubeletLocalMode)',
  );
  t.equal((await conf(roots.cp2, 'admin.conf')).clusters[0].cluster.server, 'https://198.18.0.10:6443');
});

t.test(
  'writeKubeadmControlPlanes: every control plane under <stateDir>/<host>/root, one set of CAs',
  async (t) => {
    const lab = labConfig({ preset: 'fast', stateDir: path.join(tmp, 'state') });
    const all = await writeKubeadmControlPlanes(lab);
    t.same(Object.keys(all), ['cp1', 'cp2', 'cp3']);
    for (const [name, layout] of Object.entries(all)) {
      t.equal(layout.root, kubeadmRoot(lab, name));
      t.equal(layout.root, path.join(tmp, 'state', name, 'root'), 'the host root src/lab/host.ts mounts');
      t.equal(
        await read(layout.root, 'etc/kubernetes/pki/ca.crt'),
        await readFile(path.join(kubeadmCasDir(lab), 'ca.crt'), 'utf8'),
        `${name}: the shared CA`,
      );
    }
    t.ok(all.cp1?.files.includes('/etc/kubernetes/super-admin.conf'));
    t.notOk(all.cp3?.files.includes('/etc/kubernetes/super-admin.conf'));
    t.ok(
      all.cp3?.pods.etcd?.spec.containers[0]?.command.includes('--initial-cluster-state=existing'),
      'cp3 joins',
    );
  },
);

t.test('the kubelet client certificate: rotated file, current symlink, kubelet.conf names it', async (t) => {
  const current = path.join(roots.cp1, 'var/lib/kubelet/pki/kubelet-client-current.pem');
  const target = await readlink(current);
  t.match(
    target,
    /^\/var\/lib\/kubelet\/pki\/kubelet-client-\d{4}(-\d\d){5}\.pem$/,
    'absolute, as the file store links',
  );
  const file = path.join(roots.cp1, target);
  t.equal((await stat(file)).mode & 0o777, 0o600, 'it holds the key');
  const pem = await readFile(file, 'utf8');
  t.match(
    pem,
    /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\n-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  );
  const c = new X509Certificate(pem);
  t.equal(c.subject, 'CN=system:node:cp1\nO=system:nodes');
  t.ok(
    c.checkIssued(new X509Certificate(await read(roots.cp1, 'etc/kubernetes/pki/ca.crt'))),
    'the cluster CA',
  );
  const conf = YAML.parse(await read(roots.cp1, 'etc/kubernetes/kubelet.conf'));
  t.same(conf.users[0].user, {
    'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem',
    'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem',
  });
  // Idempotent: the certificate is kept, kubelet.conf points at it again.
  await writeKubeadmHost(cfg, hostByName(cfg, 'cp1'), roots.cp1, cas);
  t.equal(await readlink(current), target);
  t.equal(await readFile(file, 'utf8'), pem);
});
