/**
 * The external-etcd layout (`lab up --etcd external`), written into a temp root: each etcd host as
 * kubeadm's HA etcd guide leaves it (files, the etcd CA key on the first host only, the member's
 * flags, the standalone kubelet's config, certificates checked with the real openssl), and a
 * control plane without an etcd member whose apiserver lists every member.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import YAML from 'yaml';
import { hostByName, labConfig } from '../../../src/lab/config.ts';
import { etcdHostPod } from '../../../src/lab/kubeadm/etcd-host.ts';
import { ensureKubeadmCas, writeKubeadmEtcdHost, writeKubeadmHost } from '../../../src/lab/kubeadm/index.ts';

const run = promisify(execFile);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'hadrill-etcd-host-'));
t.teardown(() => rm(tmp, { recursive: true, force: true }));

const cfg = labConfig({ preset: 'fast', stateDir: tmp, etcd: 'external' });
const cas = await ensureKubeadmCas(path.join(tmp, 'cas'));
const root = (h: string) => path.join(tmp, h);
const e1 = await writeKubeadmEtcdHost(cfg, hostByName(cfg, 'e1'), root('e1'), cas);
const e2 = await writeKubeadmEtcdHost(cfg, hostByName(cfg, 'e2'), root('e2'), cas);
const cp1 = await writeKubeadmHost(cfg, hostByName(cfg, 'cp1'), root('cp1'), cas);

const flagsOf = (command: readonly string[]) =>
  Object.fromEntries(command.slice(1).map((a) => a.replace(/^--/, '').split(/=(.*)/s).slice(0, 2)));

t.test("an etcd host's files: the guide's list, the CA key on the first host only", async (t) => {
  const common = [
    '/etc/kubernetes/manifests/etcd.yaml',
    '/etc/kubernetes/pki/apiserver-etcd-client.crt',
    '/etc/kubernetes/pki/apiserver-etcd-client.key',
    '/etc/kubernetes/pki/etcd/ca.crt',
    '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
    '/etc/kubernetes/pki/etcd/healthcheck-client.key',
    '/etc/kubernetes/pki/etcd/peer.crt',
    '/etc/kubernetes/pki/etcd/peer.key',
    '/etc/kubernetes/pki/etcd/server.crt',
    '/etc/kubernetes/pki/etcd/server.key',
    '/etc/systemd/system/kubelet.service.d/kubelet.conf',
  ];
  t.same(e1, [...common, '/etc/kubernetes/pki/etcd/ca.key'].sort());
  t.same(e2, common);
  await t.rejects(readFile(path.join(root('e2'), 'etc/kubernetes/pki/etcd/ca.key')), { code: 'ENOENT' });
  await t.rejects(
    writeKubeadmEtcdHost(cfg, hostByName(cfg, 'cp1'), path.join(tmp, 'x'), cas),
    /cp1 is not an external etcd host: they are e1, e2, e3/,
  );
});

t.test("the member's flags: host address only, every member in initial-cluster, state new", async (t) => {
  const pod = YAML.parse(await readFile(path.join(root('e2'), 'etc/kubernetes/manifests/etcd.yaml'), 'utf8'));
  const f = flagsOf(pod.spec.containers[0].command);
  t.equal(f.name, 'e2');
  t.equal(
    f['listen-client-urls'],
    'https://198.18.0.42:2379',
    'no 127.0.0.1: the guide listens on the host only',
  );
  t.equal(f['advertise-client-urls'], 'https://198.18.0.42:2379');
  t.equal(f['listen-peer-urls'], 'https://198.18.0.42:2380');
  t.equal(
    f['initial-cluster'],
    'e1=https://198.18.0.41:2380,e2=https://198.18.0.42:2380,e3=https://198.18.0.43:2380',
  );
  t.equal(f['initial-cluster-state'], 'new');
  t.equal(
    f['election-timeout'],
    String(cfg.timings.etcd.electionMs),
    "the lab's timings as on a stacked member",
  );
  const withMetrics = etcdHostPod(cfg, hostByName(cfg, 'e1'), {
    extraArgs: [['listen-metrics-urls', 'http://0.0.0.0:2381']],
  });
  t.equal(flagsOf(withMetrics.spec.containers[0]!.command)['listen-metrics-urls'], 'http://0.0.0.0:2381');
});

t.test("the standalone kubelet's config is the guide's", async (t) => {
  const k = YAML.parse(
    await readFile(path.join(root('e1'), 'etc/systemd/system/kubelet.service.d/kubelet.conf'), 'utf8'),
  );
  t.same(k, {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    cgroupDriver: 'systemd',
    address: '127.0.0.1',
    containerRuntimeEndpoint: 'unix:///var/run/containerd/containerd.sock',
    staticPodPath: '/etc/kubernetes/manifests',
  });
});

t.test("certificates: the etcd CA signs every member's, with the host's name and address", async (t) => {
  const pki = (h: string, f: string) => path.join(root(h), 'etc/kubernetes/pki', f);
  for (const f of [
    'etcd/server.crt',
    'etcd/peer.crt',
    'etcd/healthcheck-client.crt',
    'apiserver-etcd-client.crt',
  ]) {
    const { stdout } = await run('openssl', ['verify', '-CAfile', pki('e2', 'etcd/ca.crt'), pki('e2', f)]);
    t.match(stdout, /: OK/, `e2 ${f}`);
  }
  const server = new X509Certificate(await readFile(pki('e2', 'etcd/server.crt')));
  t.match(server.subject, /CN=e2/);
  t.match(server.subjectAltName, /DNS:e2/);
  t.match(server.subjectAltName, /IP Address:198\.18\.0\.42/);
  // the control plane's apiserver-etcd-client is accepted by the members' CA
  const { stdout } = await run('openssl', [
    'verify',
    '-CAfile',
    pki('e1', 'etcd/ca.crt'),
    pki('cp1', 'apiserver-etcd-client.crt'),
  ]);
  t.match(stdout, /: OK/);
});

t.test('a control plane with external etcd: no member, every member in --etcd-servers', async (t) => {
  t.notOk(
    cp1.files.some((f) => /etcd\/(server|peer|healthcheck-client|ca\.key)/.test(f)),
    'no member certificates, no CA key',
  );
  t.ok(cp1.files.includes('/etc/kubernetes/pki/etcd/ca.crt'));
  t.ok(cp1.files.includes('/etc/kubernetes/pki/apiserver-etcd-client.key'));
  t.notOk(cp1.files.includes('/etc/kubernetes/manifests/etcd.yaml'));
  t.equal(cp1.pods.etcd, undefined);
  const f = flagsOf(cp1.pods['kube-apiserver'].spec.containers[0]!.command);
  t.equal(f['etcd-servers'], 'https://198.18.0.41:2379,https://198.18.0.42:2379,https://198.18.0.43:2379');
  t.equal(f['etcd-certfile'], '/etc/kubernetes/pki/apiserver-etcd-client.crt');
  t.equal(f['etcd-cafile'], '/etc/kubernetes/pki/etcd/ca.crt');
});
