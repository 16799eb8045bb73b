/** CRUD, Status errors, selectors, binding, graceful delete and admission through @kubernetes/client-node. */
import { ApiException, CoordinationV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { startTestApiserver } from '../../helpers/apiserver.ts';

const api = await startTestApiserver(t, {
  flags: ['--default-not-ready-toleration-seconds=42', '--default-unreachable-toleration-seconds=43'],
});
const kc = api.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const coord = kc.makeApiClient(CoordinationV1Api);

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiException) {
      const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      return { code: err.code, body };
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
});

t.test('bootstrap objects exist', async (t) => {
  const ns = await core.listNamespace();
  t.same(ns.items.map((n) => n.metadata?.name).sort(), [
    'default',
    'kube-node-lease',
    'kube-public',
    'kube-system',
  ]);
  const svc = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
  t.equal(svc.spec?.clusterIP, '10.96.0.1');
  t.equal(svc.spec?.ports?.[0]?.port, 443);
  t.equal(svc.spec?.ports?.[0]?.targetPort, api.port);
});

t.test('configmap CRUD with resourceVersion and 409 on a stale update', async (t) => {
  await core.createNamespace({ body: { metadata: { name: 'crud' } } });
  const created = await core.createNamespacedConfigMap({
    namespace: 'crud',
    body: { metadata: { name: 'cm1', labels: { app: 'a' } }, data: { k: 'v1' } },
  });
  t.ok(created.metadata?.uid, 'uid set');
  t.ok(created.metadata?.creationTimestamp, 'creationTimestamp set');
  t.match(created.metadata?.resourceVersion, /^\d+$/);
  const got = await core.readNamespacedConfigMap({ name: 'cm1', namespace: 'crud' });
  t.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
  t.equal(got.data?.k, 'v1');

  const dup = await apiError(
    core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'cm1' } } }),
  );
  t.equal(dup.code, 409);
  t.match(dup.body, { kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409 });

  got.data = { k: 'v2' };
  const updated = await core.replaceNamespacedConfigMap({ name: 'cm1', namespace: 'crud', body: got });
  t.equal(updated.data?.k, 'v2');
  t.ok(Number(updated.metadata?.resourceVersion) > Number(got.metadata?.resourceVersion));
  t.equal(updated.metadata?.uid, created.metadata?.uid);

  got.data = { k: 'stale' };
  const stale = await apiError(
    core.replaceNamespacedConfigMap({ name: 'cm1', namespace: 'crud', body: got }),
  );
  t.equal(stale.code, 409);
  t.equal(stale.body.reason, 'Conflict');
  t.match(String(stale.body.message), /the object has been modified/);

  const missing = await apiError(core.readNamespacedConfigMap({ name: 'nope', namespace: 'crud' }));
  t.equal(missing.code, 404);
  t.match(missing.body, {
    reason: 'NotFound',
    message: 'configmaps "nope" not found',
    details: { name: 'nope' },
  });

  const noNs = await apiError(
    core.createNamespacedConfigMap({ namespace: 'ghost', body: { metadata: { name: 'x' } } }),
  );
  t.equal(noNs.code, 404);
  t.match(String(noNs.body.message), /namespaces "ghost" not found/);

  const list = await core.listNamespacedConfigMap({ namespace: 'crud' });
  t.equal(list.items.length, 1);
  t.ok(Number(list.metadata?.resourceVersion) >= Number(updated.metadata?.resourceVersion));

  await core.deleteNamespacedConfigMap({ name: 'cm1', namespace: 'crud' });
  t.equal((await apiError(core.readNamespacedConfigMap({ name: 'cm1', namespace: 'crud' }))).code, 404);
});

t.test('patch types', async (t) => {
  await core.createNamespacedConfigMap({
    namespace: 'crud',
    body: { metadata: { name: 'p' }, data: { a: '1', b: '2' } },
  });
  const { setHeaderOptions, PatchStrategy } = await import('@kubernetes/client-node');
  const merged = await core.patchNamespacedConfigMap(
    { name: 'p', namespace: 'crud', body: { data: { a: null, c: '3' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.same(merged.data, { b: '2', c: '3' });
  const jp = await core.patchNamespacedConfigMap(
    { name: 'p', namespace: 'crud', body: [{ op: 'replace', path: '/data/b', value: 'x' }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  t.same(jp.data, { b: 'x', c: '3' });
  const failed = await apiError(
    core.patchNamespacedConfigMap(
      { name: 'p', namespace: 'crud', body: [{ op: 'test', path: '/data/b', value: 'nope' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    ),
  );
  t.equal(failed.code, 422);
  await core.createNamespacedPod({ namespace: 'crud', body: pod('sp') });
  const sp = await core.patchNamespacedPod(
    {
      name: 'sp',
      namespace: 'crud',
      body: {
        spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] },
        metadata: { labels: { x: 'y' } },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.equal(sp.spec?.containers.length, 1);
  t.equal(sp.spec?.containers[0]?.image, 'busybox:1.37');
  t.equal(sp.spec?.containers[0]?.terminationMessagePath, '/dev/termination-log', 'list merged by name');
  t.equal(sp.metadata?.generation, 2, 'generation bumped on spec change');
  const st = await core.patchNamespacedPodStatus(
    { name: 'sp', namespace: 'crud', body: { status: { conditions: [{ type: 'Ready', status: 'True' }] } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.same(
    st.status?.conditions?.map((c) => c.type),
    ['Ready'],
  );
  t.equal(st.status?.phase, 'Pending', 'status merged');
});

t.test('label and field selectors', async (t) => {
  await core.createNamespace({ body: { metadata: { name: 'sel' } } });
  const specs: [string, Record<string, string>][] = [
    ['a', { app: 'web', tier: 'fe' }],
    ['b', { app: 'web', tier: 'be' }],
    ['c', { app: 'db' }],
    ['d', {}],
  ];
  for (const [name, labels] of specs)
    await core.createNamespacedPod({ namespace: 'sel', body: pod(name, labels) });
  const names = async (labelSelector?: string, fieldSelector?: string) =>
    (await core.listNamespacedPod({ namespace: 'sel', labelSelector, fieldSelector })).items
      .map((p) => p.metadata?.name)
      .sort();
  t.same(await names('app=web'), ['a', 'b']);
  t.same(await names('app==web,tier!=fe'), ['b']);
  t.same(await names('app in (web, db)'), ['a', 'b', 'c']);
  t.same(await names('app notin (web)'), ['c', 'd']);
  t.same(await names('tier'), ['a', 'b']);
  t.same(await names('!tier'), ['c', 'd']);
  t.same(await names(undefined, 'metadata.name=c'), ['c']);
  t.same(await names(undefined, 'metadata.name!=c'), ['a', 'b', 'd']);
  t.same(await names(undefined, 'metadata.namespace=sel'), ['a', 'b', 'c', 'd']);
  t.same(await names(undefined, 'spec.nodeName='), ['a', 'b', 'c', 'd']);
  const all = await core.listPodForAllNamespaces({ labelSelector: 'app=db' });
  t.same(
    all.items.map((p) => p.metadata?.name),
    ['c'],
  );
  const bad = await apiError(core.listNamespacedPod({ namespace: 'sel', labelSelector: 'a in (' }));
  t.equal(bad.code, 400);
});

t.test('binding subresource, graceful pod delete, default tolerations', async (t) => {
  await core.createNamespace({ body: { metadata: { name: 'pods' } } });
  const p = await core.createNamespacedPod({ namespace: 'pods', body: pod('web') });
  t.equal(p.status?.phase, 'Pending');
  const tol = (p.spec?.tolerations ?? []).map((x) => [x.key, x.operator, x.effect, x.tolerationSeconds]);
  t.same(tol, [
    ['node.kubernetes.io/not-ready', 'Exists', 'NoExecute', 42],
    ['node.kubernetes.io/unreachable', 'Exists', 'NoExecute', 43],
  ]);
  const own = await core.createNamespacedPod({
    namespace: 'pods',
    body: {
      ...pod('own'),
      spec: {
        containers: [{ name: 'c', image: 'x' }],
        tolerations: [
          {
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 5,
          },
        ],
      },
    },
  });
  t.same(
    own.spec?.tolerations?.map((x) => [x.key, x.tolerationSeconds]),
    [
      ['node.kubernetes.io/unreachable', 5],
      ['node.kubernetes.io/not-ready', 42],
    ],
    'an existing toleration is kept, the missing one added',
  );

  await core.createNamespacedPodBinding({
    name: 'web',
    namespace: 'pods',
    body: { metadata: { name: 'web' }, target: { kind: 'Node', name: 'w1' } },
  });
  const bound = await core.readNamespacedPod({ name: 'web', namespace: 'pods' });
  t.equal(bound.spec?.nodeName, 'w1');
  t.ok(bound.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True'));
  const again = await apiError(
    core.createNamespacedPodBinding({
      name: 'web',
      namespace: 'pods',
      body: { metadata: { name: 'web' }, target: { kind: 'Node', name: 'w2' } },
    }),
  );
  t.equal(again.code, 409);

  const onNode = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=w1' });
  t.same(
    onNode.items.map((x) => x.metadata?.name),
    ['web'],
  );

  const marked = await core.deleteNamespacedPod({ name: 'web', namespace: 'pods', gracePeriodSeconds: 30 });
  t.ok(marked.metadata?.deletionTimestamp, 'a bound pod is only marked');
  t.equal(marked.metadata?.deletionGracePeriodSeconds, 30);
  const still = await core.readNamespacedPod({ name: 'web', namespace: 'pods' });
  t.ok(still.metadata?.deletionTimestamp);
  await core.deleteNamespacedPod({ name: 'web', namespace: 'pods', gracePeriodSeconds: 0 });
  t.equal(
    (await apiError(core.readNamespacedPod({ name: 'web', namespace: 'pods' }))).code,
    404,
    'grace 0 removes it',
  );

  await core.deleteNamespacedPod({ name: 'own', namespace: 'pods' });
  t.equal(
    (await apiError(core.readNamespacedPod({ name: 'own', namespace: 'pods' }))).code,
    404,
    'unbound pod goes at once',
  );
});

t.test('node status subresource and leases', async (t) => {
  const n = await core.createNode({ body: { metadata: { name: 'w1' }, status: { conditions: [] } } });
  t.equal(n.metadata?.name, 'w1');
  const st = await core.replaceNodeStatus({
    name: 'w1',
    body: { ...n, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
  });
  t.equal(st.status?.conditions?.[0]?.status, 'True');
  const upd = await core.replaceNode({
    name: 'w1',
    body: { ...st, status: { conditions: [] }, spec: { unschedulable: true } },
  });
  t.equal(upd.status?.conditions?.length, 1, 'main resource update keeps status');
  t.equal(upd.spec?.unschedulable, true);

  const now = new Date();
  const lease = await coord.createNamespacedLease({
    namespace: 'kube-node-lease',
    body: {
      metadata: { name: 'w1' },
      spec: { holderIdentity: 'w1', leaseDurationSeconds: 40, renewTime: now },
    },
  });
  t.equal(lease.spec?.holderIdentity, 'w1');
  lease.spec!.renewTime = new Date(now.getTime() + 1000);
  const renewed = await coord.replaceNamespacedLease({
    name: 'w1',
    namespace: 'kube-node-lease',
    body: lease,
  });
  t.equal(renewed.spec?.leaseDurationSeconds, 40);
  const stale = await apiError(
    coord.replaceNamespacedLease({ name: 'w1', namespace: 'kube-node-lease', body: lease }),
  );
  t.equal(stale.code, 409, 'leader election relies on this conflict');
});

t.test('deletecollection, generateName, finalizers', async (t) => {
  await core.createNamespace({ body: { metadata: { name: 'dc' } } });
  for (const n of ['x1', 'x2', 'y1']) {
    await core.createNamespacedConfigMap({
      namespace: 'dc',
      body: { metadata: { name: n, labels: { g: n[0]! } } },
    });
  }
  await core.deleteCollectionNamespacedConfigMap({ namespace: 'dc', labelSelector: 'g=x' });
  const left = await core.listNamespacedConfigMap({ namespace: 'dc' });
  t.same(
    left.items.map((c) => c.metadata?.name),
    ['y1'],
  );
  const gen = await core.createNamespacedConfigMap({
    namespace: 'dc',
    body: { metadata: { generateName: 'drill-' } },
  });
  t.match(gen.metadata?.name, /^drill-[a-z0-9]{5}$/);

  const fin = await core.createNamespacedConfigMap({
    namespace: 'dc',
    body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } },
  });
  await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'dc' });
  const held = await core.readNamespacedConfigMap({ name: 'held', namespace: 'dc' });
  t.ok(held.metadata?.deletionTimestamp, 'a finalizer holds the object');
  t.equal(held.metadata?.uid, fin.metadata?.uid);
  held.metadata!.finalizers = [];
  await core.replaceNamespacedConfigMap({ name: 'held', namespace: 'dc', body: held });
  t.equal(
    (await apiError(core.readNamespacedConfigMap({ name: 'held', namespace: 'dc' }))).code,
    404,
    'gone once released',
  );

  const ev = await core.createNamespacedEvent({
    namespace: 'dc',
    body: {
      metadata: { name: 'e1' },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'dc' },
      reason: 'Evicted',
      message: 'drill',
      type: 'Warning',
    },
  });
  t.equal(ev.reason, 'Evicted');
  const evs = await core.listNamespacedEvent({
    namespace: 'dc',
    fieldSelector: 'involvedObject.name=p,reason=Evicted',
  });
  t.equal(evs.items.length, 1);
});

t.test('authentication', async (t) => {
  const https = await import('node:https');
  const { readFileSync } = await import('node:fs');
  const ca = readFileSync(api.caFile);
  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ code: number; body: string }>((resolve, reject) => {
      https
        .get(`${api.url}${path}`, { ca, headers }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
  // no credential: system:anonymous, which (upstream's default RBAC) may only read the public paths
  const anon = await get('/api/v1/namespaces');
  t.equal(anon.code, 403);
  t.match(JSON.parse(anon.body), {
    kind: 'Status',
    reason: 'Forbidden',
    code: 403,
    message:
      'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope',
    details: { kind: 'namespaces' },
  });
  t.equal((await get('/readyz')).code, 200);
  t.equal((await get('/livez')).code, 200);
  t.equal((await get('/healthz')).code, 200);
  t.match(JSON.parse((await get('/version')).body), { gitVersion: /^v1\.32\./ });
  t.equal((await get('/api/v1/namespaces', { Authorization: `Bearer ${api.token}` })).code, 200);
  t.equal((await get('/api/v1/namespaces', { Authorization: 'Bearer wrong' })).code, 401);
});
