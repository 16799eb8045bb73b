import type { V1Taint } from '@kubernetes/client-node';
import t from 'tap';
import {
  DEFAULT_EVICTION,
  NOT_READY,
  planTaints,
  TokenBucket,
  UNREACHABLE,
  zoneRate,
  zoneState,
} from '../../../src/kube/controller-manager/nodelifecycle/taints.ts';

const now = new Date('2026-01-01T00:00:00Z');
const keys = (ts: V1Taint[]) => ts.map((x) => `${x.key}:${x.effect}`).sort();

t.test('Unknown → unreachable NoSchedule at once, NoExecute when the zone allows', async (t) => {
  let p = planTaints([], 'Unknown', false, false, now);
  t.same(keys(p.taints), [`${UNREACHABLE}:NoSchedule`]);
  p = planTaints(p.taints, 'Unknown', true, false, now);
  t.same(keys(p.taints), [`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
  t.same(p.taints.find((x) => x.effect === 'NoExecute')?.timeAdded, now, 'NoExecute carries timeAdded');
  t.equal(planTaints(p.taints, 'Unknown', true, false, now).changed, false, 'idempotent');
});

t.test('False → not-ready; Ready again → taints removed; foreign taints kept', async (t) => {
  const foreign: V1Taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
  let p = planTaints([foreign], 'False', true, false, now);
  t.same(keys(p.taints), ['dedicated:NoSchedule', `${NOT_READY}:NoExecute`, `${NOT_READY}:NoSchedule`]);
  p = planTaints(p.taints, 'Unknown', false, false, now);
  t.same(
    keys(p.taints),
    ['dedicated:NoSchedule', `${UNREACHABLE}:NoSchedule`],
    'swap: not-ready taints removed',
  );
  p = planTaints(p.taints, 'True', false, false, now);
  t.same(keys(p.taints), ['dedicated:NoSchedule']);
  t.same(p.removed, [`${UNREACHABLE}:NoSchedule`]);
});

t.test('full disruption: no NoExecute, existing ones cleared; NoSchedule stays', async (t) => {
  const tainted = planTaints([], 'Unknown', true, false, now).taints;
  const p = planTaints(tainted, 'Unknown', true, true, now);
  t.same(keys(p.taints), [`${UNREACHABLE}:NoSchedule`]);
});

t.test('zone states (ComputeZoneState) and rates', async (t) => {
  t.equal(zoneState(['True', 'True'], 0.55), 'Normal');
  t.equal(zoneState(['Unknown', 'True'], 0.55), 'Normal');
  t.equal(zoneState(['Unknown', 'Unknown'], 0.55), 'FullDisruption');
  t.equal(zoneState(['Unknown', 'Unknown', 'False', 'True'], 0.55), 'PartialDisruption');
  t.equal(zoneState(['Unknown', 'Unknown', 'True'], 0.55), 'Normal', 'needs more than 2 not-ready');
  t.equal(zoneRate('FullDisruption', 3, DEFAULT_EVICTION), 0);
  t.equal(zoneRate('PartialDisruption', 10, DEFAULT_EVICTION), 0, 'small cluster: stop');
  t.equal(zoneRate('PartialDisruption', 100, DEFAULT_EVICTION), 0.01);
  t.equal(zoneRate('Normal', 3, DEFAULT_EVICTION), 0.1);
});

t.test('token bucket: burst 1 then 0.1 node/s; rate 0 refuses', async (t) => {
  const b = new TokenBucket(0.1);
  t.equal(b.tryAccept(0), true);
  t.equal(b.tryAccept(1000), false);
  t.equal(b.tryAccept(9_999), false);
  t.equal(b.tryAccept(10_000), true);
  b.setRate(0, 30_000);
  t.equal(b.tryAccept(40_000), false);
});
