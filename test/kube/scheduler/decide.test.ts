import type { V1Node, V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { isGated, isPending, pickNode, unfitReason } from '../../../src/kube/scheduler/decide.ts';

const node = (
  name: string,
  ready = 'True',
  taints: V1Node['spec'] extends infer S ? (S extends { taints?: infer X } ? X : never) : never = [],
): V1Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  spec: { taints },
  status: { conditions: [{ type: 'Ready', status: ready }] },
});
const pod = (name: string, owner?: string, nodeName?: string, extra: Partial<V1Pod['spec']> = {}): V1Pod => ({
  metadata: {
    name,
    ownerReferences: owner
      ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner, controller: true }]
      : [],
  },
  spec: { containers: [], nodeName, ...extra },
});

t.test('pending pods of the default scheduler', async (t) => {
  t.ok(isPending(pod('a')));
  t.notOk(isPending(pod('a', undefined, 'w1')));
  t.notOk(isPending(pod('a', undefined, undefined, { schedulerName: 'other' })));
  t.notOk(isPending({ ...pod('a'), metadata: { deletionTimestamp: new Date() } }));
  const gated = pod('g', undefined, undefined, { schedulingGates: [{ name: 'example.com/wait' }] });
  t.ok(isPending(gated) && isGated(gated), 'a gated pod is pending but never attempted');
  t.notOk(isGated(pod('a')));
});

t.test('fit: Ready, taints tolerated, nodeSelector', async (t) => {
  t.equal(unfitReason(pod('a'), node('w1', 'Unknown')), 'node not Ready');
  const tainted = node('w1', 'True', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }]);
  t.match(unfitReason(pod('a'), tainted), /untolerated taint node.kubernetes.io\/unreachable:NoSchedule/);
  t.equal(
    unfitReason(
      pod('a', undefined, undefined, {
        tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }],
      }),
      tainted,
    ),
    undefined,
  );
  t.equal(unfitReason(pod('a'), node('w1', 'True', [{ key: 'x', effect: 'PreferNoSchedule' }])), undefined);
  t.match(
    unfitReason(
      pod('a', undefined, undefined, { nodeSelector: { 'kubernetes.io/hostname': 'w2' } }),
      node('w1'),
    ),
    /nodeSelector/,
  );
});

t.test(
  'spreads replicas of one owner: fewest of that owner first, then fewest pods, then name',
  async (t) => {
    const nodes = [node('w1'), node('w2'), node('w3')];
    const placed = [
      pod('x1', 'rs', 'w1'),
      pod('x2', 'rs', 'w2'),
      pod('o1', 'other', 'w3'),
      pod('o2', 'other', 'w3'),
    ];
    t.equal(pickNode(pod('new', 'rs'), nodes, placed).node, 'w3');
    t.equal(pickNode(pod('new', 'other'), nodes, placed).node, 'w1');
    t.equal(pickNode(pod('new'), nodes, placed).node, 'w1', 'no owner: fewest pods, then name');
    const none = pickNode(pod('new'), [node('w1', 'Unknown')], []);
    t.equal(none.node, undefined);
    t.same(none.reasons, { w1: 'node not Ready' });
  },
);
