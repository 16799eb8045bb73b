import type { KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { type KubeObject, runReflector, type WatchLike } from '../../../src/kube/runtime/reflector.ts';

type Script = (cb: (type: string, obj: unknown) => void, done: (err: unknown) => void) => void;

/** A fake Watch: each call runs the next script and records the query it was given. */
class FakeWatch implements WatchLike {
  queries: Record<string, string>[] = [];
  constructor(private readonly scripts: Script[]) {}
  async watch(
    _p: string,
    query: Record<string, string>,
    cb: (type: string, obj: unknown) => void,
    done: (err: unknown) => void,
  ) {
    this.queries.push(query);
    const ac = new AbortController();
    const script = this.scripts.shift();
    let finished = false;
    const once = (e: unknown) => {
      if (!finished) {
        finished = true;
        done(e);
      }
    };
    ac.signal.addEventListener('abort', () => once(null));
    setImmediate(() => (script ? script(cb, once) : undefined));
    return ac;
  }
}

const obj = (name: string, rv: string): KubeObject => ({ metadata: { name, resourceVersion: rv } });

t.test('re-watches from the last version, relists on 410, backs off on errors', async (t) => {
  const ac = new AbortController();
  const events: string[] = [];
  let lists = 0;
  const fw = new FakeWatch([
    (cb, done) => {
      cb('ADDED', obj('a', '11'));
      cb('MODIFIED', obj('a', '12'));
      cb('BOOKMARK', obj('', '15'));
      done(null); // server closed the watch
    },
    (_cb, done) => done(Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } })),
    (cb) => cb('ERROR', { kind: 'Status', code: 410, reason: 'Expired' }),
    (cb, done) => {
      cb('DELETED', obj('a', '31'));
      setTimeout(() => {
        ac.abort();
        done(null);
      }, 10);
    },
  ]);
  const done = runReflector<KubeObject>({
    name: 'test',
    kc: {} as KubeConfig,
    watcher: fw,
    list: async () => {
      lists++;
      return {
        items: [obj('a', lists === 1 ? '10' : '30')],
        metadata: { resourceVersion: lists === 1 ? '10' : '30' },
      };
    },
    path: '/api/v1/pods',
    query: { fieldSelector: 'spec.nodeName=w1' },
    onSync: (items) => {
      events.push(`sync:${items.length}`);
    },
    onEvent: (type, o) => {
      events.push(`${type}:${o.metadata?.resourceVersion}`);
    },
    log: () => {},
    signal: ac.signal,
    minBackoffMs: 5,
    maxBackoffMs: 20,
  });
  await done;
  t.same(events, ['sync:1', 'ADDED:11', 'MODIFIED:12', 'sync:1', 'DELETED:31']);
  t.equal(lists, 2, 'relisted once after 410');
  t.same(
    fw.queries.map((q) => q.resourceVersion),
    ['10', '15', '15', '30'],
    'watch resumes from the last event or bookmark; after the relist from the list version',
  );
  t.equal(fw.queries[0]?.fieldSelector, 'spec.nodeName=w1');
  t.equal(fw.queries[0]?.allowWatchBookmarks, 'true');
});

t.test('a failing list is retried with backoff until it succeeds', async (t) => {
  const ac = new AbortController();
  let calls = 0;
  const logs: string[] = [];
  await runReflector<KubeObject>({
    name: 'pods',
    kc: {} as KubeConfig,
    watcher: new FakeWatch([
      () => {
        ac.abort();
      },
    ]),
    list: async () => {
      calls++;
      if (calls < 3) throw new Error('connect ECONNREFUSED');
      return { items: [], metadata: { resourceVersion: '5' } };
    },
    path: '/api/v1/pods',
    onSync: () => {},
    onEvent: () => {},
    log: (m) => logs.push(m),
    signal: ac.signal,
    minBackoffMs: 1,
    maxBackoffMs: 2,
  });
  t.equal(calls, 3);
  t.match(logs, ['pods: list failed, retrying', 'pods: list succeeded again']);
});
