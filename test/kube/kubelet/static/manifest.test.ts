/** Static pod manifests → pods (pure): UID from content + node + path, names, annotations, defaults, errors. */
import t from 'tap';
import { canonicalJson, decodeManifest, fnv128a } from '../../../../src/kube/kubelet/static/manifest.ts';
import { manifest } from './helpers.ts';

const seen = new Date('2026-01-01T00:00:00Z');
const etcd = manifest({ name: 'etcd', command: ['etcd', '--name=cp1'] });

t.test('FNV-1a 128 as Go hash/fnv New128a', async (t) => {
  t.equal(fnv128a(['']), '6c62272e07bb014262b821756295c58d', 'offset basis');
  t.equal(fnv128a(['a']), 'd228cb696f1a8caf78912b704e4a8964', 'Go\'s golden vector for "a"');
  t.equal(fnv128a(['a', 'bc']), fnv128a(['abc']), 'chunks are one stream');
});

t.test('UID: the content, the node and the file; not the formatting', async (t) => {
  const a = decodeManifest(etcd, '/etc/kubernetes/manifests/etcd.yaml', 'cp1', seen);
  t.match(a.uid, /^[0-9a-f]{32}$/);
  t.equal(
    decodeManifest(etcd, '/etc/kubernetes/manifests/etcd.yaml', 'cp1', new Date()).uid,
    a.uid,
    'stable',
  );
  const reformatted = JSON.stringify(JSON.parse(canonicalJson((await import('yaml')).parse(etcd))), null, 4);
  t.equal(
    decodeManifest(reformatted, '/etc/kubernetes/manifests/etcd.yaml', 'cp1', seen).uid,
    a.uid,
    'JSON, other indentation: same UID',
  );
  const changed = manifest({ name: 'etcd', command: ['etcd', '--name=cp2'] });
  t.not(
    decodeManifest(changed, '/etc/kubernetes/manifests/etcd.yaml', 'cp1', seen).uid,
    a.uid,
    'a changed flag is a new pod',
  );
  t.not(decodeManifest(etcd, '/etc/kubernetes/manifests/etcd.yaml', 'cp2', seen).uid, a.uid, 'another node');
  t.not(decodeManifest(etcd, '/etc/kubernetes/manifests/etcd2.yaml', 'cp1', seen).uid, a.uid, 'another file');
});

t.test('applyDefaults: name, namespace, node, annotations, toleration, API defaults', async (t) => {
  const p = decodeManifest(etcd, '/m/etcd.yaml', 'CP1', seen);
  t.equal(p.pod.metadata?.name, 'etcd-cp1');
  t.equal(p.pod.metadata?.namespace, 'kube-system');
  t.equal(p.key, 'kube-system/etcd-cp1');
  t.equal(p.pod.spec?.nodeName, 'CP1');
  t.same(p.pod.metadata?.annotations, {
    'kubernetes.io/config.hash': p.uid,
    'kubernetes.io/config.source': 'file',
    'kubernetes.io/config.seen': seen.toISOString(),
  });
  t.same(p.pod.spec?.tolerations, [{ operator: 'Exists', effect: 'NoExecute' }]);
  t.equal(p.pod.spec?.restartPolicy, 'Always');
  t.equal(p.pod.spec?.terminationGracePeriodSeconds, 30);
  t.equal(p.pod.status?.phase, 'Pending');
  const noNs = manifest({ name: 'x', command: ['sleep', '1'] }).replace('namespace: kube-system', '');
  t.equal(decodeManifest(noNs, '/m/x', 'n', seen).pod.metadata?.namespace, 'default');
  const probed = manifest({
    name: 'kube-apiserver',
    command: ['kube-apiserver'],
    container: {
      readinessProbe: { httpGet: { port: 6443, path: '/readyz', scheme: 'HTTPS' } },
      livenessProbe: { httpGet: { port: 6443 } },
    },
  });
  const c = decodeManifest(probed, '/m/a', 'n', seen).pod.spec?.containers[0];
  t.match(c?.readinessProbe, {
    periodSeconds: 10,
    timeoutSeconds: 1,
    failureThreshold: 3,
    successThreshold: 1,
    httpGet: { path: '/readyz', scheme: 'HTTPS' },
  });
  t.match(c?.livenessProbe?.httpGet, { path: '/', scheme: 'HTTP' });
});

t.test('invalid manifests say what is wrong', async (t) => {
  t.throws(() => decodeManifest('a: [', '/m/bad', 'n', seen), /\/m\/bad: couldn't parse as pod/);
  t.throws(() => decodeManifest('kind: Service\napiVersion: v1\n', '/m/svc', 'n', seen), /is not v1 Pod/);
  t.throws(
    () => decodeManifest(etcd.replace('name: etcd\n  namespace', 'namespace'), '/m/e', 'n', seen),
    /name is needed/,
  );
  const noCmd = manifest({ name: 'x', command: [] }).replace('command: []', '');
  t.throws(() => decodeManifest(noCmd, '/m/x', 'n', seen), /container x has no command/);
});
