/** --register-with-taints parsing (pkg/util/taints parseTaint) and the Node created with them. */
import t from 'tap';
import { nodeObject, parseTaints } from '../../../src/kube/kubelet/node.ts';

t.test('key[=value]:Effect, comma separated', async (t) => {
  t.same(parseTaints(''), []);
  t.same(parseTaints('node-role.kubernetes.io/control-plane:NoSchedule'), [
    { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
  ]);
  t.same(parseTaints('a=b:NoExecute,c:PreferNoSchedule'), [
    { key: 'a', value: 'b', effect: 'NoExecute' },
    { key: 'c', effect: 'PreferNoSchedule' },
  ]);
  t.throws(() => parseTaints('a=b'), /--register-with-taints: 'a=b' is not key\[=value\]:NoSchedule/);
  t.throws(() => parseTaints('a:Sometimes'), /'a:Sometimes'/);
});

t.test('the Node carries them; none: an empty spec', async (t) => {
  const taints = parseTaints('node-role.kubernetes.io/control-plane:NoSchedule');
  t.same(nodeObject({ name: 'cp1', ip: '198.18.0.11', taints }, new Date()).spec, { taints });
  t.same(nodeObject({ name: 'w1', ip: '198.18.0.31' }, new Date()).spec, {});
});
