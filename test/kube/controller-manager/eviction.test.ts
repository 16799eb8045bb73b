import type { V1Pod, V1Taint } from '@kubernetes/client-node';
import t from 'tap';
import { evictionTime } from '../../../src/kube/controller-manager/tainteviction/decide.ts';

const added = new Date('2026-01-01T00:00:00Z');
const T0 = added.getTime();
const unreachable: V1Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: added };
const notReady: V1Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: added };
const pod = (
  tolerations: V1Pod['spec'] extends infer S ? (S extends { tolerations?: infer X } ? X : never) : never,
  kind?: string,
): V1Pod => ({
  metadata: {
    name: 'p',
    ownerReferences: kind ? [{ apiVersion: 'apps/v1', kind, name: 'o', uid: 'u' }] : [],
  },
  spec: { containers: [], tolerations },
});
const never = () => 0;

t.test('no NoExecute taint: keep', async (t) => {
  t.same(evictionTime(pod([]), [{ key: unreachable.key, effect: 'NoSchedule' }], never), { kind: 'keep' });
});

t.test('no matching toleration: evict at once (from timeAdded)', async (t) => {
  t.match(evictionTime(pod([]), [unreachable], never), { kind: 'at', at: T0 });
});

t.test('smallest matching tolerationSeconds from timeAdded', async (t) => {
  const d = evictionTime(
    pod([
      { key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
    ]),
    [unreachable],
    never,
  );
  t.match(d, { kind: 'at', at: T0 + 30_000, taint: `${unreachable.key}:NoExecute` });
});

t.test('toleration without seconds: never; but another untolerated taint still evicts', async (t) => {
  const forever = [{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute' }];
  t.match(evictionTime(pod(forever), [unreachable], never), { kind: 'never' });
  t.match(evictionTime(pod(forever), [unreachable, notReady], never), { kind: 'at', at: T0 });
});

t.test('DaemonSet pods are never evicted', async (t) => {
  t.match(evictionTime(pod([], 'DaemonSet'), [unreachable], never), {
    kind: 'never',
    reason: 'DaemonSet pod',
  });
});

t.test('taint without timeAdded counts from first observation', async (t) => {
  const d = evictionTime(
    pod([{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }]),
    [{ key: unreachable.key, effect: 'NoExecute' }],
    () => 1000,
  );
  t.match(d, { kind: 'at', at: 6000 });
});
