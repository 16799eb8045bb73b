/** Watch through @kubernetes/client-node: resume from a resourceVersion, 410 after compaction, informers. */
import { CoreV1Api, makeInformer, type V1ConfigMap, Watch } from '@kubernetes/client-node';
import { Etcd3 } from 'etcd3';
import t from 'tap';
import { startTestApiserver } from '../../helpers/apiserver.ts';

const api = await startTestApiserver(t);
const kc = api.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
await core.createNamespace({ body: { metadata: { name: 'w' } } });

interface Ev {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: watch payloads are untyped JSON
  obj: any;
}

/** Starts a watch and collects events; resolves `until` when the predicate holds. */
async function collect(path: string, query: Record<string, string | number | boolean | undefined>) {
  const events: Ev[] = [];
  let done: unknown = 'open';
  const ctl = await new Watch(kc).watch(
    path,
    query,
    (type, obj) => events.push({ type, obj }),
    (err) => {
      done = err ?? null;
    },
  );
  const until = async (pred: (e: Ev[]) => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!pred(events)) {
      if (Date.now() > end)
        throw new Error(`watch condition not met; events: ${JSON.stringify(events.map((e) => e.type))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { events, until, stop: () => ctl.abort(), isDone: () => done !== 'open' };
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) => ({
  metadata: { name, labels },
  data,
});

t.test('watch from now, then resume from a resourceVersion', async (t) => {
  const list = await core.listNamespacedConfigMap({ namespace: 'w' });
  const w = await collect('/api/v1/namespaces/w/configmaps', {
    resourceVersion: list.metadata?.resourceVersion,
  });
  const a = await core.createNamespacedConfigMap({ namespace: 'w', body: cm('a') });
  a.data = { x: '1' };
  const a2 = await core.replaceNamespacedConfigMap({ name: 'a', namespace: 'w', body: a });
  await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'w' });
  await w.until((e) => e.length >= 3);
  t.same(
    w.events.map((e) => e.type),
    ['ADDED', 'MODIFIED', 'DELETED'],
  );
  t.equal(w.events[1]!.obj.metadata.resourceVersion, a2.metadata?.resourceVersion);
  t.ok(Number(w.events[2]!.obj.metadata.resourceVersion) > Number(a2.metadata?.resourceVersion));
  w.stop();

  // Resume after the ADDED event: only MODIFIED and DELETED come back.
  const r = await collect('/api/v1/namespaces/w/configmaps', {
    resourceVersion: a.metadata?.resourceVersion,
  });
  await r.until((e) => e.length >= 2);
  t.same(
    r.events.map((e) => e.type),
    ['MODIFIED', 'DELETED'],
  );
  r.stop();
});

t.test(
  'watch without resourceVersion starts with ADDED for existing objects; selectors per event',
  async (t) => {
    await core.createNamespacedConfigMap({ namespace: 'w', body: cm('s1', { app: 'x' }) });
    const w = await collect('/api/v1/namespaces/w/configmaps', { labelSelector: 'app=x' });
    await w.until((e) => e.length >= 1);
    t.equal(w.events[0]!.type, 'ADDED');
    const s1 = await core.readNamespacedConfigMap({ name: 's1', namespace: 'w' });
    s1.metadata!.labels = { app: 'y' };
    await core.replaceNamespacedConfigMap({ name: 's1', namespace: 'w', body: s1 });
    await w.until((e) => e.length >= 2);
    t.equal(w.events[1]!.type, 'DELETED', 'no longer matching is a DELETED event');
    await core.createNamespacedConfigMap({ namespace: 'w', body: cm('other', { app: 'z' }) });
    await core.createNamespacedConfigMap({ namespace: 'w', body: cm('s2', { app: 'x' }) });
    await w.until((e) => e.length >= 3);
    t.equal(w.events[2]!.obj.metadata.name, 's2');
    w.stop();
  },
);

t.test('timeoutSeconds ends the watch', async (t) => {
  const w = await collect('/api/v1/namespaces/w/configmaps', { timeoutSeconds: 1, resourceVersion: '1' });
  const start = Date.now();
  while (!w.isDone() && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 50));
  t.ok(w.isDone(), 'server closed the watch');
  t.ok(Date.now() - start < 3000);
});

t.test('sendInitialEvents with bookmarks ends the initial list with a marked BOOKMARK', async (t) => {
  await core.createNamespacedConfigMap({ namespace: 'w', body: cm('init') });
  const w = await collect('/api/v1/namespaces/w/configmaps', {
    sendInitialEvents: true,
    allowWatchBookmarks: true,
    resourceVersionMatch: 'NotOlderThan',
    fieldSelector: 'metadata.name=init',
  });
  await w.until((e) => e.length >= 2);
  t.same(
    w.events.map((e) => e.type),
    ['ADDED', 'BOOKMARK'],
  );
  t.equal(w.events[1]!.obj.metadata.annotations['k8s.io/initial-events-end'], 'true');
  t.match(w.events[1]!.obj.metadata.resourceVersion, /^\d+$/);
  w.stop();
});

t.test('410 Gone after compaction', async (t) => {
  const first = await core.createNamespacedConfigMap({ namespace: 'w', body: cm('c1') });
  for (let i = 0; i < 3; i++) {
    await core.patchNamespacedConfigMap({
      name: 'c1',
      namespace: 'w',
      body: [{ op: 'add', path: `/data/k${i}`, value: 'v' }],
    });
  }
  const etcd = new Etcd3({ hosts: api.etcdEndpoint });
  const rev = (await etcd.get('/registry/health').exec()).header.revision;
  await etcd.kv.compact({ revision: rev, physical: true });
  etcd.close();
  const w = await collect('/api/v1/namespaces/w/configmaps', {
    resourceVersion: first.metadata?.resourceVersion,
  });
  await w.until((e) => e.length >= 1);
  t.equal(w.events[0]!.type, 'ERROR');
  t.match(w.events[0]!.obj, { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' });
  const end = Date.now() + 3000;
  while (!w.isDone() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  t.ok(w.isDone(), 'the stream ends after the ERROR event');
});

t.test('a resourceVersion ahead of etcd (restored store) gets 410 after a short wait', async (t) => {
  const list = await core.listNamespacedConfigMap({ namespace: 'w' });
  const ahead = String(Number(list.metadata?.resourceVersion) + 1000);
  const started = Date.now();
  const w = await collect('/api/v1/namespaces/w/configmaps', { resourceVersion: ahead });
  await w.until((e) => e.length >= 1, 6000);
  t.equal(w.events[0]!.type, 'ERROR');
  t.match(w.events[0]!.obj, { code: 410, message: /too large resource version/ });
  t.ok(Date.now() - started >= 2900, 'waited for etcd to catch up first');
});

t.test('informer sees adds, updates and deletes', async (t) => {
  const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/w/configmaps', () =>
    core.listNamespacedConfigMap({ namespace: 'w' }),
  );
  const seen: string[] = [];
  informer.on('add', (o) => seen.push(`add:${o.metadata?.name}`));
  informer.on('update', (o) => seen.push(`update:${o.metadata?.name}`));
  informer.on('delete', (o) => seen.push(`delete:${o.metadata?.name}`));
  await informer.start();
  await core.createNamespacedConfigMap({ namespace: 'w', body: cm('inf') });
  await core.patchNamespacedConfigMap({
    name: 'inf',
    namespace: 'w',
    body: [{ op: 'add', path: '/data', value: { a: 'b' } }],
  });
  await core.deleteNamespacedConfigMap({ name: 'inf', namespace: 'w' });
  const end = Date.now() + 5000;
  while (!seen.includes('delete:inf') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  t.ok(seen.includes('add:inf'));
  t.ok(seen.includes('update:inf'));
  t.ok(seen.includes('delete:inf'));
  t.notOk(informer.get('inf', 'w'));
  await informer.stop();
});
