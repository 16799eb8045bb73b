/** KubeletConfiguration (--config) with upstream defaults, and flags given on the command line overriding it. */
import t from 'tap';
import {
  explicitFlags,
  KUBELET_CONFIG_DEFAULTS,
  LEGACY_FLAG_DEFAULTS,
  parseKubeletConfig,
  resolveKubeletConfig,
} from '../../../../src/kube/kubelet/static/config.ts';

// as kubeadm writes /var/lib/kubelet/config.yaml (trimmed)
const KUBEADM = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
fileCheckFrequency: 0s
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
rotateCertificates: true
staticPodPath: /etc/kubernetes/manifests
syncFrequency: 0s
`;

t.test('upstream defaults', async (t) => {
  t.same(KUBELET_CONFIG_DEFAULTS, {
    staticPodPath: '',
    fileCheckFrequencyMs: 20_000,
    syncFrequencyMs: 60_000,
    nodeStatusUpdateFrequencyMs: 10_000,
    nodeLeaseDurationSeconds: 40,
    podLogsDir: '/var/log/pods',
    address: '0.0.0.0',
    port: 10250,
    tlsCertFile: '',
    tlsPrivateKeyFile: '',
    clientCAFile: '',
    anonymousAuth: false,
    authorizationMode: 'Webhook',
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
  });
  t.same(LEGACY_FLAG_DEFAULTS, { anonymousAuth: true, authorizationMode: 'AlwaysAllow' });
  const noFile = resolveKubeletConfig(undefined, {});
  t.equal(noFile.anonymousAuth, true, 'no --config: the command line keeps anonymous authentication');
  t.equal(noFile.authorizationMode, 'AlwaysAllow');
});

t.test("kubeadm's server settings: client CA, anonymous off, Webhook", async (t) => {
  const f = parseKubeletConfig(
    `${KUBEADM}authorization:\n  mode: Webhook\n`.replace(
      '    enabled: false\n',
      '    enabled: false\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n',
    ),
    'config.yaml',
  );
  const r = resolveKubeletConfig(f, { port: 10350 });
  t.equal(r.clientCAFile, '/etc/kubernetes/pki/ca.crt');
  t.equal(r.anonymousAuth, false);
  t.equal(r.authorizationMode, 'Webhook');
  t.equal(r.port, 10350, 'a flag over the file');
  t.equal(r.address, '0.0.0.0');
  t.throws(
    () => parseKubeletConfig(`${KUBEADM}port: 70000\n`, 'c.yaml'),
    /port 70000 must be between 1 and 65535/,
  );
  t.throws(
    () => parseKubeletConfig(`${KUBEADM}authorization:\n  mode: RBAC\n`, 'c.yaml'),
    /authorization.mode RBAC: use AlwaysAllow or Webhook/,
  );
});

t.test('healthz: bind address and port read; an explicit 0 turns it off; bad ports named', async (t) => {
  t.same(parseKubeletConfig(`${KUBEADM}healthzBindAddress: 127.0.0.1\nhealthzPort: 10248\n`, 'c.yaml'), {
    staticPodPath: '/etc/kubernetes/manifests',
    anonymousAuth: false,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
  });
  t.equal(parseKubeletConfig(`${KUBEADM}healthzPort: 0\n`, 'c.yaml').healthzPort, 0, 'a pointer: 0 is off');
  t.throws(
    () => parseKubeletConfig(`${KUBEADM}healthzPort: 70000\n`, 'c.yaml'),
    /healthzPort 70000 must be between 0 and 65535, inclusive \(0: no healthz server\)/,
  );
});

t.test("kubeadm's file: zero durations mean the defaults", async (t) => {
  const f = parseKubeletConfig(KUBEADM, 'config.yaml');
  t.same(resolveKubeletConfig(f, {}), {
    ...KUBELET_CONFIG_DEFAULTS,
    staticPodPath: '/etc/kubernetes/manifests',
  });
  t.equal(f.anonymousAuth, false, "kubeadm's anonymous: false, read");
});

t.test('file values, then flags given on the command line win', async (t) => {
  const f = parseKubeletConfig(
    `${KUBEADM.replace('fileCheckFrequency: 0s', 'fileCheckFrequency: 5s').replace('nodeStatusUpdateFrequency: 0s', 'nodeStatusUpdateFrequency: 4s')}nodeLeaseDurationSeconds: 20\npodLogsDir: /tmp/logs\n`,
    'c.yaml',
  );
  t.same(f, {
    fileCheckFrequencyMs: 5000,
    nodeStatusUpdateFrequencyMs: 4000,
    staticPodPath: '/etc/kubernetes/manifests',
    nodeLeaseDurationSeconds: 20,
    podLogsDir: '/tmp/logs',
    anonymousAuth: false,
  });
  const r = resolveKubeletConfig(f, { fileCheckFrequencyMs: 100, staticPodPath: '/m' });
  t.equal(r.fileCheckFrequencyMs, 100, 'flag over file');
  t.equal(r.staticPodPath, '/m');
  t.equal(r.nodeStatusUpdateFrequencyMs, 4000, 'file over default');
  t.equal(r.syncFrequencyMs, 60_000, 'default');
  t.same(
    [...explicitFlags(['--config', 'x', '--file-check-frequency=1s', '-v', '--node-ip', '1.2.3.4'])],
    ['config', 'file-check-frequency', 'v', 'node-ip'],
  );
});

t.test('errors say what to fix', async (t) => {
  t.throws(
    () => parseKubeletConfig('kind: Pod\napiVersion: v1\n', 'c.yaml'),
    /c.yaml: kind\/apiVersion is Pod\/v1; want KubeletConfiguration/,
  );
  t.throws(
    () => parseKubeletConfig(`${KUBEADM}syncFrequency: 10\n`.replace('syncFrequency: 0s\n', ''), 'c.yaml'),
    /syncFrequency: .*10/,
  );
  t.throws(
    () => parseKubeletConfig(`${KUBEADM}nodeLeaseDurationSeconds: -1\n`, 'c.yaml'),
    /nodeLeaseDurationSeconds must be a positive integer/,
  );
  t.throws(() => parseKubeletConfig('a: [', 'c.yaml'), /c.yaml: not YAML/);
});
