/** KubeletConfiguration (--config) with upstream defaults, and flags given on the command line overriding it. */
import t from 'tap';
import {
  explicitFlags,
  KUBELET_CONFIG_DEFAULTS,
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
  });
});

t.test("kubeadm's file: zero durations mean the defaults", async (t) => {
  const f = parseKubeletConfig(KUBEADM, 'config.yaml');
  t.same(resolveKubeletConfig(f, {}), {
    ...KUBELET_CONFIG_DEFAULTS,
    staticPodPath: '/etc/kubernetes/manifests',
  });
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
