import type { V1Lease, V1Node } from '@kubernetes/client-node';
import t from 'tap';
import {
  HealthTracker,
  unknownConditions,
} from '../../../src/kube/controller-manager/nodelifecycle/health.ts';

const GRACE = 40_000;
const STARTUP = 60_000;
const node = (hb?: number, status = 'True'): V1Node => ({
  metadata: { name: 'w1' },
  status: {
    conditions:
      hb === undefined
        ? []
        : [
            {
              type: 'Ready',
              status,
              lastHeartbeatTime: new Date(hb),
              lastTransitionTime: new Date(0),
              reason: 'KubeletReady',
            },
            { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: new Date(hb) },
          ],
  },
});
const lease = (renew: number): V1Lease => ({
  metadata: { name: 'w1' },
  spec: { renewTime: new Date(renew) },
});

t.test('stale only after grace on the local clock, whatever the remote timestamps say', async (t) => {
  const h = new HealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: STARTUP });
  // heartbeat timestamp far in the past (kubelet clock skew): first sight starts the probe now
  let v = h.observe(node(0), lease(0), 1_000_000);
  t.equal(v.stale, false);
  t.equal(h.get('w1')?.probeTimestamp, 1_000_000);
  v = h.observe(node(0), lease(0), 1_000_000 + GRACE);
  t.equal(v.stale, false, 'at exactly grace: not yet');
  v = h.observe(node(0), lease(0), 1_000_000 + GRACE + 1);
  t.equal(v.stale, true);
  t.equal(v.readyStatus, 'Unknown');
  t.equal(v.observedStatus, 'True', 'the status before this pass, for taint-based eviction');
  const ready = v.newConditions?.find((c) => c.type === 'Ready');
  t.match(ready, {
    status: 'Unknown',
    reason: 'NodeStatusUnknown',
    message: 'Kubelet stopped posting node status.',
  });
  t.same(ready?.lastHeartbeatTime, new Date(0), 'heartbeat time untouched');
  for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
    t.equal(v.newConditions?.find((c) => c.type === type)?.status, 'Unknown', type);
  }
});

t.test('a lease renewal alone keeps the node healthy (heartbeat every 5 min upstream)', async (t) => {
  const h = new HealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: STARTUP });
  const t0 = 5_000_000;
  h.observe(node(100), lease(100), t0);
  for (let i = 1; i <= 10; i++) {
    const v = h.observe(node(100), lease(100 + i * 10_000), t0 + i * 10_000);
    t.equal(v.stale, false);
  }
  // lease stops: stale grace after the last observed change
  const last = t0 + 100_000;
  t.equal(h.observe(node(100), lease(100 + 100_000), last + GRACE).stale, false);
  t.equal(h.observe(node(100), lease(100 + 100_000), last + GRACE + 1).stale, true);
});

t.test('a lease moving backwards is not a probe', async (t) => {
  const h = new HealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: STARTUP });
  h.observe(node(1), lease(50_000), 0);
  h.observe(node(1), lease(10_000), 30_000);
  t.equal(h.get('w1')?.probeTimestamp, 0);
});

t.test('a node that never posted Ready gets the startup grace and NodeStatusNeverUpdated', async (t) => {
  const h = new HealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: STARTUP });
  h.observe(node(), undefined, 0);
  t.equal(h.observe(node(), undefined, GRACE + 1).stale, false);
  const v = h.observe(node(), undefined, STARTUP + 1);
  t.equal(v.stale, true);
  t.match(
    v.newConditions?.find((c) => c.type === 'Ready'),
    { status: 'Unknown', reason: 'NodeStatusNeverUpdated' },
  );
});

t.test('already Unknown: nothing to write', async (t) => {
  const conds = unknownConditions(node(1).status?.conditions, 10);
  t.ok(conds);
  t.equal(unknownConditions(conds, 20), undefined);
});
