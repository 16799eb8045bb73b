/**
 * The Lease that shows the cluster lock (src/safety/lock-lease.ts) against a recording API: created
 * with POST when absent, updated with the resourceVersion read (upstream refuses unconditional
 * Lease updates), deleted only while it names us, with preconditions; never throws.
 */
import t from 'tap';
import type { HttpResult, KubeAccess } from '../../src/probes/kube.ts';
import { deleteLockLease, writeLockLease } from '../../src/safety/lock-lease.ts';

const API = 'https://api:6443';
const URL = `${API}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases`;

interface Call {
  readonly method: string;
  readonly url: string;
  readonly body?: Record<string, unknown>;
}

function api(answers: Partial<HttpResult>[]) {
  const calls: Call[] = [];
  const a: Pick<KubeAccess, 'request'> = {
    async request(method, url, opts) {
      calls.push({ method, url, ...(opts.body ? { body: opts.body as Record<string, unknown> } : {}) });
      const r = answers.shift();
      if (!r) throw new Error('no answer scripted');
      return { ok: false, latencyMs: 1, ...r };
    },
  };
  return { a, calls };
}

const lease = (holder: string) =>
  JSON.stringify({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'ha-drill', namespace: 'kube-system', uid: 'u1', resourceVersion: '42' },
    spec: { holderIdentity: holder, leaseDurationSeconds: 60, leaseTransitions: 2 },
  });

t.test('absent: created with POST, naming the holder for the lock duration', async (t) => {
  const { a, calls } = api([{ status: 404 }, { ok: true, status: 201 }]);
  t.equal(await writeLockLease(a, API, 'ann@m1 pid 1', 1800.4), undefined);
  t.same(
    calls.map((c) => [c.method, c.url]),
    [
      ['GET', `${URL}/ha-drill`],
      ['POST', URL],
    ],
  );
  const body = calls[1]!.body as { metadata: unknown; spec: Record<string, unknown> };
  t.same(body.metadata, { name: 'ha-drill', namespace: 'kube-system' });
  t.equal(body.spec.holderIdentity, 'ann@m1 pid 1');
  t.equal(body.spec.leaseDurationSeconds, 1800);
  t.match(String(body.spec.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime');
  t.equal(body.spec.acquireTime, body.spec.renewTime);
});

t.test('present: PUT with the resourceVersion read; a new holder counts a transition', async (t) => {
  const { a, calls } = api([
    { ok: true, status: 200, body: lease('ann') },
    { ok: true, status: 200 },
  ]);
  t.equal(await writeLockLease(a, API, 'ann', 60), undefined);
  const same = calls[1]!.body as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  t.equal(calls[1]!.method, 'PUT');
  t.equal(same.metadata.resourceVersion, '42');
  t.equal(same.spec.leaseTransitions, 2, 'renewal by the same holder');
  t.notOk('acquireTime' in same.spec);

  const other = api([
    { ok: true, status: 200, body: lease('stale') },
    { ok: true, status: 200 },
  ]);
  await writeLockLease(other.a, API, 'bob', 60);
  const b = other.calls[1]!.body as { spec: Record<string, unknown> };
  t.equal(b.spec.holderIdentity, 'bob');
  t.equal(b.spec.leaseTransitions, 3);
  t.ok(b.spec.acquireTime);
});

t.test('the API down or refusing: a reason, never a throw', async (t) => {
  t.equal(
    await writeLockLease(api([{ error: 'ECONNREFUSED: connect' }]).a, API, 'x', 60),
    'reading the Lease: ECONNREFUSED: connect',
  );
  t.equal(
    await writeLockLease(api([{ status: 404 }, { status: 403 }]).a, API, 'x', 60),
    'creating the Lease: HTTP 403',
  );
  t.equal(await writeLockLease(api([]).a, API, 'x', 60), 'no answer scripted');
  t.equal(await deleteLockLease(api([{ status: 500 }]).a, API, 'x'), 'reading the Lease: HTTP 500');
});

t.test('delete: only while it names us, with uid and resourceVersion as preconditions', async (t) => {
  const mine = api([
    { ok: true, status: 200, body: lease('ann') },
    { ok: true, status: 200 },
  ]);
  t.equal(await deleteLockLease(mine.a, API, 'ann'), undefined);
  t.equal(mine.calls[1]!.method, 'DELETE');
  t.same((mine.calls[1]!.body as { preconditions: unknown }).preconditions, {
    uid: 'u1',
    resourceVersion: '42',
  });

  const theirs = api([{ ok: true, status: 200, body: lease('bob') }]);
  t.equal(await deleteLockLease(theirs.a, API, 'ann'), 'the Lease names bob');
  t.equal(theirs.calls.length, 1, 'not deleted');

  const gone = api([{ status: 404 }]);
  t.equal(await deleteLockLease(gone.a, API, 'ann'), undefined);
});
