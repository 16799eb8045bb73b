/** The real kubectl against the lab apiserver: create -f, get, describe, apply, wait, get -w, delete. */
import { spawn } from 'node:child_process';
import t from 'tap';
import { startTestApiserver } from '../../helpers/apiserver.ts';

const api = await startTestApiserver(t);

const ok = async (args: string[], input?: string) => {
  const r = await api.kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
};

const manifest = (image: string, extra = '') => `apiVersion: v1
kind: Namespace
metadata:
  name: kt
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: kt
  labels: {app: web${extra}}
spec:
  containers:
  - name: c
    image: ${image}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: kt
data:
  a: "1"
`;

t.test('discovery and version', async (t) => {
  const resources = await ok(['api-resources', '-o', 'name']);
  for (const r of [
    'pods',
    'nodes',
    'leases.coordination.k8s.io',
    'endpointslices.discovery.k8s.io',
    'replicasets.apps',
  ]) {
    t.match(resources, r);
  }
  t.match(await ok(['version', '-o', 'json']), /v1\.32\.0-hadrill/);
  t.match(await ok(['get', '--raw', '/readyz?verbose']), /\[\+\]etcd ok/);
  const { execFile } = await import('node:child_process');
  const viaToken = await new Promise<string>((resolve, reject) =>
    execFile(
      'kubectl',
      ['--kubeconfig', api.tokenKubeconfigPath, 'get', 'ns', 'default', '-o', 'name'],
      { env: { ...process.env, HOME: api.dir } },
      (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)),
    ),
  );
  t.equal(viaToken.trim(), 'namespace/default', 'bearer token kubeconfig works too');
});

t.test('create -f (default validation), get, describe', async (t) => {
  t.match(await ok(['create', '-f', '-'], manifest('nginx:1.27')), /pod\/web created/);
  t.match(await ok(['get', 'po', '-n', 'kt']), /web/);
  t.match(await ok(['get', 'pods', '-n', 'kt', '-l', 'app=web', '-o', 'name']), 'pod/web');
  t.equal(await ok(['get', 'cm', 'settings', '-n', 'kt', '-o', 'jsonpath={.data.a}']), '1');
  const describe = await ok(['describe', 'pod', 'web', '-n', 'kt']);
  t.match(describe, /Tolerations:\s+node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s/);
  t.match(await ok(['get', 'ns']), /kube-node-lease/);
  const dup = await api.kubectl(['create', '-f', '-'], { input: manifest('nginx:1.27') });
  t.not(dup.code, 0);
  t.match(dup.stderr, /AlreadyExists|already exists/);
});

t.test('apply (with and without --validate=false)', async (t) => {
  t.match(await ok(['apply', '-f', '-'], manifest('nginx:1.28')), /pod\/web configured/);
  t.match(
    await ok(['apply', '--validate=false', '-f', '-'], manifest('nginx:1.28', ', tier: fe')),
    /configured/,
  );
  const out = await ok([
    'get',
    'pod',
    'web',
    '-n',
    'kt',
    '-o',
    'jsonpath={.spec.containers[0].image} {.metadata.labels.tier}',
  ]);
  t.equal(out, 'nginx:1.28 fe');
  t.match(await ok(['label', 'pod', 'web', '-n', 'kt', 'x=y']), /labeled/);
});

t.test('wait --for=condition and get -w', async (t) => {
  const watcher = spawn(
    'kubectl',
    [
      '--kubeconfig',
      api.kubeconfigPath,
      'get',
      'pods',
      '-n',
      'kt',
      '-w',
      '-o',
      'name',
      '--request-timeout=20s',
    ],
    { env: { ...process.env, HOME: api.dir } },
  );
  let watched = '';
  watcher.stdout.on('data', (d) => (watched += d));
  t.teardown(() => {
    watcher.kill('SIGKILL');
  });
  const wait = api.kubectl(['wait', '--for=condition=Ready', 'pod/web', '-n', 'kt', '--timeout=15s']);
  await new Promise((r) => setTimeout(r, 500));
  const status = JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  await ok(['patch', 'pod', 'web', '-n', 'kt', '--subresource=status', '--type=merge', '-p', status]);
  const w = await wait;
  t.equal(w.code, 0, w.stderr);
  t.match(w.stdout, /condition met/);

  await ok(
    ['create', '-f', '-'],
    'apiVersion: v1\nkind: Pod\nmetadata: {name: second, namespace: kt}\nspec: {containers: [{name: c, image: x}]}\n',
  );
  const end = Date.now() + 5000;
  while (!watched.includes('pod/second') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  t.match(watched, 'pod/web');
  t.match(watched, 'pod/second');
});

t.test('replicaset, scale subresource, table output, delete by label', async (t) => {
  const rs = `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: drill, namespace: kt}
spec:
  replicas: 1
  selector: {matchLabels: {app: drill}}
  template:
    metadata: {labels: {app: drill}}
    spec: {containers: [{name: c, image: x}]}
`;
  t.match(await ok(['create', '-f', '-'], rs), /replicaset.apps\/drill created/);
  t.match(await ok(['scale', 'rs/drill', '-n', 'kt', '--replicas=3']), /scaled/);
  t.equal(
    await ok(['get', 'rs', 'drill', '-n', 'kt', '-o', 'jsonpath={.spec.replicas} {.metadata.generation}']),
    '3 2',
  );
  const table = await ok(['get', 'rs', '-n', 'kt']);
  t.match(table, /NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE/);
  t.match(table, /drill\s+3\s+0\s+0/);
  t.match(
    await ok(['get', 'pods', '-n', 'kt', '-o', 'wide']),
    /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/,
  );
  for (const n of ['l1', 'l2']) {
    await ok(
      ['create', '-f', '-'],
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}, namespace: kt, labels: {batch: x}}\n`,
    );
  }
  t.match(await ok(['delete', 'cm', '-n', 'kt', '-l', 'batch=x']), /configmap "l1" deleted/);
  t.equal((await ok(['get', 'cm', '-n', 'kt', '-l', 'batch=x', '-o', 'name'])).trim(), '');
});

t.test('typed generators (protobuf bodies): create namespace and configmap', async (t) => {
  t.match(await ok(['create', 'namespace', 'gen']), /namespace\/gen created/);
  t.match(await ok(['create', 'configmap', 'g1', '-n', 'gen', '--from-literal=a=b']), /created/);
  t.equal(
    await ok(['get', 'cm', 'g1', '-n', 'gen', '-o', 'jsonpath={.data.a}{.metadata.generateName}']),
    'b',
  );
  const secret = await api.kubectl(['create', 'secret', 'generic', 's', '-n', 'gen', '--from-literal=a=b']);
  t.not(secret.code, 0, 'secrets are not served');
});

t.test('delete and wait --for=delete', async (t) => {
  t.match(await ok(['delete', 'pod', 'second', '-n', 'kt']), /deleted/);
  t.match(await ok(['delete', 'cm', 'settings', '-n', 'kt', '--wait=true']), /deleted/);
  const gone = await api.kubectl(['get', 'cm', 'settings', '-n', 'kt']);
  t.not(gone.code, 0);
  t.match(gone.stderr, /NotFound|not found/);
  t.match(await ok(['delete', 'ns', 'kt']), /deleted/);
  const pods = await api.kubectl(['get', 'pods', '-n', 'kt', '-o', 'name']);
  t.equal(pods.stdout.trim(), '', 'namespace contents went with it');
});
