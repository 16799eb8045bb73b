import type { V1Lease, V1Node, V1Taint } from '@kubernetes/client-node';
import t from 'tap';
import { HealthTracker } from '../../../src/kube/controller-manager/nodelifecycle/health.ts';
import {
  DEFAULT_EVICTION,
  decideTaints,
  NOT_READY,
  planTaints,
  TokenBucket,
  UNREACHABLE,
  wantsNoExecuteToken,
  zoneRate,
  zoneState,
} from '../../../src/kube/controller-manager/nodelifecycle/taints.ts';

const now = new Date('2026-01-01T00:00:00Z');
const keys = (ts: V1Taint[]) => ts.map((x) => `${x.key}:${x.effect}`).sort();

const both = (s: string) => ({ current: s, observed: s });

t.test('Unknown → unreachable NoSchedule at once, NoExecute when the zone allows', async (t) => {
  let p = planTaints([], both('Unknown'), false, false, now);
  t.same(keys(p.taints), [`${UNREACHABLE}:NoSchedule`]);
  p = planTaints(p.taints, both('Unknown'), true, false, now);
  t.same(keys(p.taints), [`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
  t.same(p.taints.find((x) => x.effect === 'NoExecute')?.timeAdded, now, 'NoExecute carries timeAdded');
  t.equal(planTaints(p.taints, both('Unknown'), true, false, now).changed, false, 'idempotent');
});

t.test('NoSchedule follows the status after the update, NoExecute the one observed before', async (t) => {
  const p = planTaints([], { current: 'Unknown', observed: 'True' }, true, false, now);
  t.same(keys(p.taints), [`${UNREACHABLE}:NoSchedule`], 'observed True: no NoExecute even with a token');
  t.equal(wantsNoExecuteToken(p.taints, 'True'), false, 'and no token is taken');
  t.equal(wantsNoExecuteToken(p.taints, 'Unknown'), true, 'next pass: queued for NoExecute');
});

t.test('False → not-ready; swaps are immediate; Ready again → taints removed; foreign kept', async (t) => {
  const foreign: V1Taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
  let p = planTaints([foreign], both('False'), true, false, now);
  t.same(keys(p.taints), ['dedicated:NoSchedule', `${NOT_READY}:NoExecute`, `${NOT_READY}:NoSchedule`]);
  t.equal(wantsNoExecuteToken(p.taints, 'Unknown'), false, 'the opposite NoExecute is swapped, not queued');
  p = planTaints(p.taints, both('Unknown'), false, false, now);
  t.same(
    keys(p.taints),
    ['dedicated:NoSchedule', `${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`],
    'swap without a token (SwapNodeControllerTaint)',
  );
  p = planTaints(p.taints, { current: 'True', observed: 'True' }, false, false, now);
  t.same(keys(p.taints), ['dedicated:NoSchedule']);
  t.same(p.removed.sort(), [`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
});

t.test('a node Ready again when its token comes is not tainted NoExecute', async (t) => {
  const p = planTaints([], { current: 'True', observed: 'Unknown' }, true, false, now);
  t.same(keys(p.taints), []);
});

t.test('full disruption: no NoExecute, existing ones cleared; NoSchedule stays', async (t) => {
  const tainted = planTaints([], both('Unknown'), true, false, now).taints;
  const p = planTaints(tainted, both('Unknown'), true, true, now);
  t.same(keys(p.taints), [`${UNREACHABLE}:NoSchedule`]);
  const b = new TokenBucket(1);
  t.equal(decideTaints(p.taints, both('Unknown'), b, true, 0).allow, false, 'no token taken');
  t.equal(b.tryAccept(0), true, 'the bucket still holds its token');
});

/**
 * A kubelet that stops at KILL, the controller's passes every PERIOD on a fake clock, through the
 * same pure steps as the controller (HealthTracker.observe, then decideTaints with the statuses it
 * reports). Upstream: NotReady at the first pass after grace, NoExecute one pass later.
 */
t.test('a sequence of monitor passes: NoExecute one --node-monitor-period after Unknown', async (t) => {
  const PERIOD = 5000;
  const GRACE = 40_000;
  const RENEW = 10_000;
  const KILL = 61_000;
  const tracker = new HealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: 60_000 });
  const bucket = new TokenBucket(DEFAULT_EVICTION.evictionRate);
  const node: V1Node = {
    metadata: { name: 'w1' },
    status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date(0) }] },
    spec: {},
  };
  const lease: V1Lease = { metadata: { name: 'w1' }, spec: { renewTime: new Date(0) } };
  const seen: { unknownAt?: number; noScheduleAt?: number; noExecuteAt?: number } = {};
  for (let now = 0; now <= 120_000; now += PERIOD) {
    const lastRenew = Math.floor(Math.min(now, KILL) / RENEW) * RENEW;
    lease.spec = { renewTime: new Date(lastRenew) };
    const v = tracker.observe(node, lease, now);
    if (v.newConditions) node.status = { conditions: v.newConditions };
    const d = decideTaints(
      node.spec?.taints,
      { current: v.readyStatus, observed: v.observedStatus },
      bucket,
      false,
      now,
    );
    node.spec = { taints: d.plan.taints };
    if (v.readyStatus === 'Unknown') seen.unknownAt ??= now;
    if (keys(node.spec.taints ?? []).includes(`${UNREACHABLE}:NoSchedule`)) seen.noScheduleAt ??= now;
    if (keys(node.spec.taints ?? []).includes(`${UNREACHABLE}:NoExecute`)) seen.noExecuteAt ??= now;
  }
  // last renewal at 60 s, observed by the pass at 60 s; stale once now > 60 + 40 s: the pass at 105 s
  t.equal(seen.unknownAt, 105_000, 'Ready=Unknown at the first pass after grace');
  t.equal(seen.noScheduleAt, 105_000, 'NoSchedule in the same pass');
  t.equal(seen.noExecuteAt, 105_000 + PERIOD, 'NoExecute one monitor period later');
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
