/** Toleration matching as upstream's Toleration.ToleratesTaint (k8s.io/api/core/v1/toleration.go). */
import type { V1Taint } from '@kubernetes/client-node';
import t from 'tap';
import { toleratesTaint } from '../../../src/kube/api/toleration.ts';

const unreachable: V1Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const kv: V1Taint = { key: 'k', value: 'v', effect: 'NoExecute' };

t.test('effect and key: empty matches any, otherwise equal', async (t) => {
  t.ok(toleratesTaint({ key: unreachable.key, operator: 'Exists', effect: 'NoExecute' }, unreachable));
  t.ok(toleratesTaint({ operator: 'Exists' }, unreachable), 'empty key + Exists tolerates everything');
  t.notOk(toleratesTaint({ key: unreachable.key, operator: 'Exists', effect: 'NoSchedule' }, unreachable));
  t.notOk(toleratesTaint({ key: 'other', operator: 'Exists' }, unreachable));
});

t.test(
  'operators: Equal (also empty or absent) compares values, Exists ignores them, others never match',
  async (t) => {
    t.ok(toleratesTaint({ key: 'k', value: 'v', effect: 'NoExecute' }, kv), 'absent operator = Equal');
    t.ok(toleratesTaint({ key: 'k', operator: '', value: 'v' }, kv), "'' = Equal, as upstream");
    t.ok(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, kv));
    t.notOk(toleratesTaint({ key: 'k', value: 'x' }, kv));
    t.notOk(toleratesTaint({ key: 'k', operator: 'Equal' }, kv), 'no value does not equal v');
    t.ok(toleratesTaint({ key: 'u', operator: 'Equal' }, { key: 'u', effect: 'NoSchedule' }), 'both empty');
    t.ok(toleratesTaint({ key: 'k', operator: 'Exists', value: 'x' }, kv));
    t.notOk(toleratesTaint({ key: 'k', operator: 'Gt', value: 'v' }, kv), 'Gt on non-numbers');
    t.notOk(toleratesTaint({ key: 'k', operator: 'In', value: 'v' }, kv), 'unknown operator');
  },
);

t.test('Lt / Gt compare the taint value with the toleration value as int64', async (t) => {
  const n = (value: string): V1Taint => ({ key: 'n', value, effect: 'NoSchedule' });
  t.ok(toleratesTaint({ key: 'n', operator: 'Lt', value: '10' }, n('9')), 'taint 9 < 10');
  t.notOk(toleratesTaint({ key: 'n', operator: 'Lt', value: '10' }, n('10')));
  t.ok(toleratesTaint({ key: 'n', operator: 'Gt', value: '-3' }, n('0')));
  t.notOk(toleratesTaint({ key: 'n', operator: 'Gt', value: '5' }, n('5')));
  t.notOk(toleratesTaint({ key: 'n', operator: 'Gt', value: '1' }, n('1.5')), 'not an integer');
  t.notOk(
    toleratesTaint({ key: 'n', operator: 'Lt', value: '1' }, n('-9223372036854775809')),
    'outside int64',
  );
  t.ok(toleratesTaint({ key: 'n', operator: 'Gt', value: '9223372036854775806' }, n('9223372036854775807')));
});
