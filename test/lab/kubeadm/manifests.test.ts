/**
 * The static Pod manifests against kubeadm's shape (cmd/kubeadm/app/phases/controlplane/
 * manifests.go, etcd/local.go, util/staticpod/utils.go): the file written is YAML that parses
 * back to the rendered object, with kubeadm's labels, annotations, probes, volumes and sorted
 * `--name=value` flags, the lab's timings substituted and etcd adapted to 3.4.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import YAML from 'yaml';
import { hostByName, labConfig } from '../../../src/lab/config.ts';
import { ensureKubeadmCas, renderStaticPods, writeKubeadmHost } from '../../../src/lab/kubeadm/index.ts';

const fast = labConfig({ preset: 'fast' });
const seeds = labConfig({ preset: 'seeds' });
type Pod = NonNullable<ReturnType<typeof renderStaticPods>['etcd']>;
const command = (p: Pod) => p.spec.containers[0]!.command;
const flags = (p: Pod): Record<string, string> =>
  Object.fromEntries(
    command(p)
      .slice(1)
      .map((a) => {
        const m = /^--([^=]+)=(.*)$/s.exec(a);
        if (!m) throw new Error(`not a --name=value flag: ${a}`);
        return [m[1]!, m[2]!];
      }),
  );

t.test('written manifests parse back to the rendered pods; keys sorted like sigs.k8s.io/yaml', async (t) => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'hadrill-kubeadm-m-'));
  t.teardown(() => rm(tmp, { recursive: true, force: true }));
  const cas = await ensureKubeadmCas(path.join(tmp, 'cas'));
  const layout = await writeKubeadmHost(fast, hostByName(fast, 'cp3'), path.join(tmp, 'root'), cas);
  for (const [name, pod] of Object.entries(layout.pods)) {
    const text = await readFile(path.join(tmp, 'root/etc/kubernetes/manifests', `${name}.yaml`), 'utf8');
    t.same(YAML.parse(text), JSON.parse(JSON.stringify(pod)), `${name}.yaml`);
    t.match(text, /^apiVersion: v1\nkind: Pod\nmetadata:\n/, `${name}: top-level keys sorted`);
    t.match(text, /\n {2}containers:\n {2}- command:\n {4}- /, `${name}: sequences not indented`);
    t.match(text, /\nstatus: \{\}\n$/);
  }
});

t.test('common kubeadm pod shape', async (t) => {
  const pods = renderStaticPods(fast, hostByName(fast, 'cp1'));
  for (const [name, p] of Object.entries(pods)) {
    t.equal(p.metadata.name, name);
    t.equal(p.metadata.namespace, 'kube-system');
    t.same(p.metadata.labels, { component: name, tier: 'control-plane' });
    t.equal(p.spec.hostNetwork, true);
    t.equal(p.spec.priorityClassName, 'system-node-critical');
    t.equal(p.spec.priority, 2000001000);
    t.same(p.spec.securityContext, { seccompProfile: { type: 'RuntimeDefault' } });
    const c = p.spec.containers[0]!;
    t.equal(c.name, name);
    t.equal(c.command[0], name, 'command[0] is the binary');
    t.equal(c.imagePullPolicy, 'IfNotPresent');
    const vols = p.spec.volumes.map((v) => v.name);
    t.same(vols, [...vols].sort(), `${name}: volumes sorted by name`);
    t.same(
      c.volumeMounts.map((m) => m.name),
      vols,
      `${name}: one mount per volume`,
    );
    const names = command(p)
      .slice(1)
      .map((a) => a.replace(/=.*$/s, ''));
    t.same(names, [...names].sort(), `${name}: flags sorted by name (ArgumentsToCommand)`);
  }
  t.equal(pods['kube-apiserver'].spec.containers[0]!.image, 'registry.k8s.io/kube-apiserver:v1.34.2');
  t.equal(pods.etcd!.spec.containers[0]!.image, 'registry.k8s.io/etcd:3.6.5-0');
  t.equal(
    renderStaticPods(fast, hostByName(fast, 'cp1'), { kubernetesVersion: 'v1.33.5' })['kube-scheduler'].spec
      .containers[0]!.image,
    'registry.k8s.io/kube-scheduler:v1.33.5',
  );
});

t.test('kube-apiserver: kubeadm flags, TLS etcd, lab timings, probes', async (t) => {
  const p = renderStaticPods(seeds, hostByName(seeds, 'cp2'))['kube-apiserver'];
  const f = flags(p);
  t.match(f, {
    'advertise-address': '198.18.0.12',
    'secure-port': '6443',
    'etcd-servers': 'https://127.0.0.1:2379',
    'etcd-cafile': '/etc/kubernetes/pki/etcd/ca.crt',
    'etcd-certfile': '/etc/kubernetes/pki/apiserver-etcd-client.crt',
    'etcd-keyfile': '/etc/kubernetes/pki/apiserver-etcd-client.key',
    'client-ca-file': '/etc/kubernetes/pki/ca.crt',
    'tls-cert-file': '/etc/kubernetes/pki/apiserver.crt',
    'tls-private-key-file': '/etc/kubernetes/pki/apiserver.key',
    'authorization-mode': 'Node,RBAC',
    'enable-admission-plugins': 'NodeRestriction',
    'service-cluster-ip-range': '10.96.0.0/12',
    'service-account-issuer': 'https://kubernetes.default.svc.cluster.local',
    'requestheader-allowed-names': 'front-proxy-client',
    'master-lease-ttl': '15s',
    'endpoint-reconciler-interval': '10s',
    'shutdown-delay-duration': '0s',
    'default-not-ready-toleration-seconds': '300',
  });
  t.equal(Object.keys(f).length, 34, 'the 27 kubeadm flags and 7 lab timings, nothing else');
  t.same(p.metadata.annotations, {
    'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': '198.18.0.12:6443',
  });
  const c = p.spec.containers[0]!;
  t.same(c.livenessProbe, {
    httpGet: { host: '198.18.0.12', path: '/livez', port: 6443, scheme: 'HTTPS' },
    initialDelaySeconds: 10,
    timeoutSeconds: 15,
    failureThreshold: 8,
    periodSeconds: 10,
  });
  t.same(c.readinessProbe?.httpGet.path, '/readyz');
  t.match(c.readinessProbe, { initialDelaySeconds: 0, failureThreshold: 3, periodSeconds: 1 });
  t.match(c.startupProbe, { httpGet: { path: '/livez' }, failureThreshold: 24, periodSeconds: 10 });
  t.same(c.resources, { requests: { cpu: '250m' } });
  t.same(
    p.spec.volumes.map((v) => [v.name, v.hostPath.path, v.hostPath.type]),
    [
      ['ca-certs', '/etc/ssl/certs', 'DirectoryOrCreate'],
      ['etc-ca-certificates', '/etc/ca-certificates', 'DirectoryOrCreate'],
      ['k8s-certs', '/etc/kubernetes/pki', 'DirectoryOrCreate'],
      ['usr-local-share-ca-certificates', '/usr/local/share/ca-certificates', 'DirectoryOrCreate'],
      ['usr-share-ca-certificates', '/usr/share/ca-certificates', 'DirectoryOrCreate'],
    ],
  );
  t.ok(c.volumeMounts.every((m) => m.readOnly === true));
  t.equal(flags(renderStaticPods(fast, hostByName(fast, 'cp2'))['kube-apiserver'])['master-lease-ttl'], '4s');
});

t.test('controller-manager and scheduler: kubeconfigs, leader election, node lifecycle', async (t) => {
  const pods = renderStaticPods(fast, hostByName(fast, 'cp1'));
  const cm = flags(pods['kube-controller-manager']);
  t.match(cm, {
    'bind-address': '127.0.0.1',
    kubeconfig: '/etc/kubernetes/controller-manager.conf',
    'authentication-kubeconfig': '/etc/kubernetes/controller-manager.conf',
    'authorization-kubeconfig': '/etc/kubernetes/controller-manager.conf',
    'leader-elect': 'true',
    'leader-elect-lease-duration': '6s',
    'leader-elect-renew-deadline': '4s',
    'leader-elect-retry-period': '1s',
    'node-monitor-period': '1s',
    'node-monitor-grace-period': '8s',
    'node-startup-grace-period': '20s',
    controllers: '*,bootstrapsigner,tokencleaner',
    'cluster-name': 'kubernetes',
    'use-service-account-credentials': 'true',
  });
  const cmc = pods['kube-controller-manager'].spec.containers[0]!;
  t.same(cmc.livenessProbe?.httpGet, { host: '127.0.0.1', path: '/healthz', port: 10257, scheme: 'HTTPS' });
  t.same(cmc.startupProbe?.httpGet.port, 10257);
  t.notOk('readinessProbe' in cmc, 'no readiness probe');
  t.same(pods['kube-controller-manager'].spec.volumes.find((v) => v.name === 'kubeconfig')?.hostPath, {
    path: '/etc/kubernetes/controller-manager.conf',
    type: 'FileOrCreate',
  });
  const sc = flags(pods['kube-scheduler']);
  t.same(Object.keys(sc).sort(), [
    'authentication-kubeconfig',
    'authorization-kubeconfig',
    'bind-address',
    'kubeconfig',
    'leader-elect',
    'leader-elect-lease-duration',
    'leader-elect-renew-deadline',
    'leader-elect-retry-period',
  ]);
  t.equal(sc.kubeconfig, '/etc/kubernetes/scheduler.conf');
  t.same(pods['kube-scheduler'].spec.containers[0]!.livenessProbe?.httpGet.port, 10259);
  t.same(pods['kube-scheduler'].spec.containers[0]!.resources, { requests: { cpu: '100m' } });
});

t.test(
  'etcd: kubeadm flags adapted to 3.4, every flag known to etcd --help, join vs bootstrap-all',
  async (t) => {
    const cp1 = renderStaticPods(seeds, hostByName(seeds, 'cp1')).etcd!;
    const cp3 = renderStaticPods(seeds, hostByName(seeds, 'cp3')).etcd!;
    const f = flags(cp3);
    t.match(f, {
      name: 'cp3',
      'listen-client-urls': 'https://127.0.0.1:2379,https://198.18.0.13:2379',
      'advertise-client-urls': 'https://198.18.0.13:2379',
      'listen-peer-urls': 'https://198.18.0.13:2380',
      'initial-advertise-peer-urls': 'https://198.18.0.13:2380',
      'data-dir': '/var/lib/etcd',
      'client-cert-auth': 'true',
      'peer-client-cert-auth': 'true',
      'cert-file': '/etc/kubernetes/pki/etcd/server.crt',
      'peer-cert-file': '/etc/kubernetes/pki/etcd/peer.crt',
      'trusted-ca-file': '/etc/kubernetes/pki/etcd/ca.crt',
      'listen-metrics-urls': 'http://127.0.0.1:2381',
      'snapshot-count': '10000',
      'experimental-initial-corrupt-check': 'true',
      'experimental-watch-progress-notify-interval': '5s',
      'heartbeat-interval': '250',
      'election-timeout': '2500',
      'pre-vote': 'true',
      'initial-cluster':
        'cp1=https://198.18.0.11:2380,cp2=https://198.18.0.12:2380,cp3=https://198.18.0.13:2380',
      'initial-cluster-state': 'existing',
    });
    t.notOk('feature-gates' in f);
    t.notOk('watch-progress-notify-interval' in f);
    const f1 = flags(cp1);
    t.equal(f1['initial-cluster'], 'cp1=https://198.18.0.11:2380', 'the init node lists only itself');
    t.notOk('initial-cluster-state' in f1);
    const all = flags(
      renderStaticPods(seeds, hostByName(seeds, 'cp2'), { etcdBootstrap: 'bootstrap-all' }).etcd!,
    );
    t.equal(all['initial-cluster'], f['initial-cluster']);
    t.notOk('initial-cluster-state' in all);

    const help =
      (await promisify(execFile)('etcd', ['--help'])).stdout +
      (await promisify(execFile)('etcd', ['--help'])).stderr;
    for (const name of Object.keys(f)) {
      t.ok(
        new RegExp(`--${name}\\b`).test(help),
        `etcd ${name} is a flag of this etcd (${help.match(/etcd Version: [^\n]*/)?.[0] ?? '3.4'})`,
      );
    }
    t.same(cp3.metadata.annotations, {
      'kubeadm.kubernetes.io/etcd.advertise-client-urls': 'https://198.18.0.13:2379',
    });
    const c = cp3.spec.containers[0]!;
    t.same(c.livenessProbe?.httpGet, {
      host: '127.0.0.1',
      path: '/health?exclude=NOSPACE&serializable=true',
      port: 2381,
      scheme: 'HTTP',
    });
    t.same(c.startupProbe?.httpGet.path, '/health?serializable=false');
    t.notOk('readinessProbe' in c);
    t.same(c.resources, { requests: { cpu: '100m', memory: '100Mi' } });
    t.same(
      cp3.spec.volumes.map((v) => [v.name, v.hostPath.path]),
      [
        ['etcd-certs', '/etc/kubernetes/pki/etcd'],
        ['etcd-data', '/var/lib/etcd'],
      ],
    );
    t.ok(
      c.volumeMounts.every((m) => !('readOnly' in m)),
      'etcd mounts are read-write',
    );
  },
);

t.test(
  'extraArgs: replace the lab timings of the same name; probes follow bind address and metrics URL',
  async (t) => {
    const pods = renderStaticPods(fast, hostByName(fast, 'cp1'), {
      extraArgs: {
        etcd: [
          ['listen-metrics-urls', 'http://0.0.0.0:2381'],
          ['heartbeat-interval', '50'],
        ],
        apiServer: [['shutdown-delay-duration', '5s']],
        controllerManager: [['bind-address', '0.0.0.0']],
        scheduler: [['bind-address', '198.18.0.11']],
      },
    });
    const e = flags(pods.etcd!);
    t.equal(e['listen-metrics-urls'], 'http://0.0.0.0:2381');
    t.equal(e['heartbeat-interval'], '50', 'the user value wins over the lab timing');
    t.equal(e['election-timeout'], '1000', 'other lab timings stay');
    t.equal(command(pods.etcd!).filter((a) => a.startsWith('--heartbeat-interval=')).length, 1, 'once');
    t.same(pods.etcd!.spec.containers[0]!.livenessProbe?.httpGet, {
      host: '0.0.0.0',
      path: '/health?exclude=NOSPACE&serializable=true',
      port: 2381,
      scheme: 'HTTP',
    });
    t.equal(flags(pods['kube-apiserver'])['shutdown-delay-duration'], '5s');
    const cmProbe = pods['kube-controller-manager'].spec.containers[0]!.livenessProbe?.httpGet;
    t.same(
      cmProbe,
      { path: '/healthz', port: 10257, scheme: 'HTTPS' },
      'unspecified bind address: no probe host',
    );
    t.equal(flags(pods['kube-controller-manager'])['bind-address'], '0.0.0.0');
    t.equal(pods['kube-scheduler'].spec.containers[0]!.startupProbe?.httpGet.host, '198.18.0.11');
    const https = renderStaticPods(fast, hostByName(fast, 'cp1'), {
      extraArgs: { etcd: [['listen-metrics-urls', 'https://127.0.0.1:12381,http://0.0.0.0:2381']] },
    });
    t.match(https.etcd!.spec.containers[0]!.startupProbe?.httpGet, {
      host: '127.0.0.1',
      port: 12381,
      scheme: 'HTTPS',
    });
  },
);

t.test('lab up --shutdown-delay / --shutdown-send-retry-after reach the apiserver manifest', async (t) => {
  const cfg = labConfig({
    preset: 'fast',
    apiserverShutdownDelayS: 3,
    apiserverShutdownSendRetryAfter: true,
  });
  const f = flags(renderStaticPods(cfg, hostByName(cfg, 'cp2'))['kube-apiserver']);
  t.equal(f['shutdown-delay-duration'], '3s');
  t.equal(f['shutdown-send-retry-after'], 'true');
  t.notOk(
    'shutdown-send-retry-after' in flags(renderStaticPods(fast, hostByName(fast, 'cp2'))['kube-apiserver']),
    'not by default (upstream false)',
  );
  t.throws(() => labConfig({ apiserverShutdownDelayS: -1 }), /shutdown delay must be from 0 to 10m/);
});
