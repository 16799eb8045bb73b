import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import t from 'tap';
import {
  isOwnedBy,
  planReplicaSet,
  podFromTemplate,
} from '../../../src/kube/controller-manager/replicaset/decide.ts';

const rs: V1ReplicaSet = {
  metadata: { name: 'web', namespace: 'drill', uid: 'rs-1', generation: 2 },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    },
  },
};
const owned = (name: string, extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: {
    name,
    creationTimestamp: new Date(`2026-01-01T00:00:0${name.slice(-1)}Z`),
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-1', controller: true },
    ],
    ...extra.metadata,
  },
  spec: { containers: [], nodeName: 'w1', ...extra.spec },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], ...extra.status },
});

t.test('creates the missing replicas; terminating pods do not count', async (t) => {
  const p = planReplicaSet(rs, [owned('a1'), owned('a2', { metadata: { deletionTimestamp: new Date() } })]);
  t.equal(p.create, 2);
  t.same(p.remove, []);
  t.match(p.status, { replicas: 1, readyReplicas: 1, observedGeneration: 2 });
});

t.test('deletes extras: unscheduled first, then not ready, then newest', async (t) => {
  const pods = [
    owned('a1'),
    owned('a2'),
    owned('a3', { spec: { containers: [], nodeName: undefined } }),
    owned('a4', { status: { phase: 'Pending', conditions: [] } }),
    owned('a5'),
  ];
  const p = planReplicaSet(rs, pods);
  t.equal(p.create, 0);
  t.same(
    p.remove.map((x) => x.metadata?.name),
    ['a3', 'a4'],
  );
  t.equal(p.status.readyReplicas, 4, 'status counts the pods before the deletions land');
});

t.test('pod from template: generateName, labels, controller owner reference', async (t) => {
  const pod = podFromTemplate(rs);
  t.equal(pod.metadata?.generateName, 'web-');
  t.equal(pod.metadata?.namespace, 'drill');
  t.same(pod.metadata?.labels, { app: 'web' });
  t.match(pod.metadata?.ownerReferences?.[0], { kind: 'ReplicaSet', uid: 'rs-1', controller: true });
  t.ok(isOwnedBy({ ...pod, metadata: { ...pod.metadata } }, rs));
  t.equal(pod.spec?.containers[0]?.image, 'nginx');
});
