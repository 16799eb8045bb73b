/**
 * The scenarios' recovery criteria and observation bounds, on synthetic timelines (no cluster):
 * each holds only once everything it waits for is on the timeline, and never on a fault that
 * did not take effect or a recovery that never came.
 */
import t from 'tap';
import { certExpiry } from '../../scenarios/cert-expiry.ts';
import { etcdPartition } from '../../scenarios/etcd-partition.ts';
import { etcdRestore } from '../../scenarios/etcd-restore.ts';
import { kubeletStop } from '../../scenarios/kubelet-stop.ts';
import { lbStop } from '../../scenarios/lb-stop.ts';
import { leaderKill } from '../../scenarios/leader-kill.ts';
import type { KubeAccess } from '../../src/probes/kube.ts';
import { RESUMED_NOTE } from '../../src/probes/workload.ts';
import type { ScenarioContext, ScenarioOptions } from '../../src/runner/scenario.ts';
import type { HaTimings } from '../../src/targets/defaults.ts';
import { TimelineRecorder } from '../../src/timeline/recorder.ts';
import { Timeline } from '../analysis/synthetic.ts';
import { FakeTarget, fakeTopology, healthyHosts } from '../faults/fake-target.ts';

const FAST: HaTimings = {
  nodeMonitorGracePeriodS: 8,
  nodeMonitorPeriodS: 1,
  nodeLeaseRenewIntervalS: 2,
  leaseDurationS: 6,
  retryPeriodS: 1,
  advertIntS: 1,
  priority: 100,
  checkInterMs: 1000,
  fall: 2,
  checkTimeoutMs: 1000,
  etcdHeartbeatMs: 100,
  etcdElectionMs: 1000,
};

function ctx(options: ScenarioOptions = {}, lbs?: string[]): ScenarioContext {
  return {
    target: new FakeTarget(fakeTopology(lbs), healthyHosts()),
    kube: {} as KubeAccess,
    timings: FAST,
    options,
    runId: 'r1',
    sink: new TimelineRecorder().sink('test'),
  };
}

const lease = (tl: Timeline, at: number, holder: string | null, transitions: number) =>
  tl.add(at, {
    type: 'lease',
    namespace: 'kube-system',
    name: 'kube-controller-manager',
    holderIdentity: holder,
    leaseTransitions: transitions,
  });

t.test('leader-kill: a new holder and the controllers resuming after the fault', async (t) => {
  const c = ctx();
  const tl = lease(new Timeline(), 1000, 'cp1_a', 3).fault(5000, { host: 'cp1' }, 'process-stop');
  t.notOk(leaderKill.recovered(tl.events, 5000, c), 'nothing yet');
  lease(tl, 11_500, 'cp2_b', 4);
  t.notOk(leaderKill.recovered(tl.events, 5000, c), 'new holder, controllers not yet seen');
  tl.add(12_300, { type: 'note', message: `${RESUMED_NOTE}: pod x scheduled on w1` });
  t.ok(leaderKill.recovered(tl.events, 5000, c));
  const early = lease(new Timeline(), 1000, 'cp1_a', 3)
    .add(2000, { type: 'note', message: `${RESUMED_NOTE}: before` })
    .fault(5000, { host: 'cp1' }, 'process-stop');
  lease(early, 11_500, 'cp2_b', 4);
  t.notOk(leaderKill.recovered(early.events, 5000, c), 'a note from before the fault does not count');
  // lease + retry × 1.2 = 7.2 s; twice that + 20 s
  t.equal(leaderKill.observeMs(FAST, {}), 2 * 7200 + 20_000);
  t.throws(
    () => leaderKill.probes(ctx({ variant: 'etcd' })),
    /--variant must be one of controller-manager, scheduler/,
  );
});

const status = (tl: Timeline, at: number, member: string, id: string, leader: string | null) =>
  tl.add(at, { type: 'etcd.status', member, memberId: id, leader, raftTerm: 2, raftIndex: 100 });

t.test(
  'etcd-partition: election, unready apiserver, then sustained success after the LB drop time',
  async (t) => {
    const c = ctx();
    // LB fails 10.2–11.5 s, fine before and after.
    const tl = new Timeline().lb(0, 30_000, (x) => !(x >= 10_200 && x < 11_500));
    status(tl, 1000, 'cp1', 'a1', 'a1');
    status(tl, 1000, 'cp2', 'b2', 'a1');
    status(tl, 1000, 'cp3', 'c3', 'a1');
    tl.fault(10_000, { host: 'cp1', member: 'cp1', ip: '198.18.0.11' }, 'partition');
    const upTo = (ms: number) => tl.events.filter((e) => e.atMs <= ms);
    t.notOk(etcdPartition.recovered(upTo(20_000), 10_000, c), 'no election seen yet');
    status(tl, 12_000, 'cp2', 'b2', 'b2');
    t.notOk(etcdPartition.recovered(upTo(20_000), 10_000, c), 'apiserver not seen unready yet');
    tl.add(11_000, { type: 'readyz', apiserver: '198.18.0.11', ok: false, status: 500 });
    // unready at +1 s; LB drop ≤ inter 1000 + (fall 2 − 1) × fastinter 1000 + fall 2 × (inter 1000 +
    // timeout check 1000) = 6 s (src/analysis/windows/lb.ts) → 3 s of success from 17 s.
    t.notOk(etcdPartition.recovered(upTo(19_900), 10_000, c), 'too early: the LB may still route to it');
    t.ok(etcdPartition.recovered(upTo(20_100), 10_000, c));
  },
);

t.test('lb-stop: VIP moved and API sustained; never before the heal with a single LB', async (t) => {
  const tl = new Timeline()
    .lb(0, 20_000, (x) => !(x >= 5_100 && x < 8_000))
    .add(500, { type: 'vip', vip: '198.18.0.10', holder: 'lb1' })
    .fault(5000, { host: 'lb1' }, 'link-down');
  t.notOk(lbStop.recovered(tl.events, 5000, ctx()), 'VIP has not moved');
  tl.add(8_200, { type: 'vip', vip: '198.18.0.10', holder: 'lb2' });
  t.ok(lbStop.recovered(tl.events, 5000, ctx()));
  t.notOk(
    lbStop.recovered(tl.events, 5000, ctx({}, ['lb1'])),
    'single LB: observe the outage until the heal',
  );
  t.equal(lbStop.observeMs(FAST, {}), 2 * 1000 * (4 + 3) + 10_000);
});

t.test('kubelet-stop: NotReady, every pod of the node evicted, replacements running elsewhere', async (t) => {
  const c = ctx({ tolerationSeconds: 5 });
  const pod = (
    tl: Timeline,
    at: number,
    name: string,
    node: string | null,
    ready: boolean,
    deleted = false,
  ) => tl.add(at, { type: 'pod', name, node, phase: ready ? 'Running' : 'Pending', ready, deleted });
  const tl = new Timeline().add(100, { type: 'node', name: 'w1', ready: 'True', taints: [] });
  pod(tl, 200, 'p1', 'w1', true);
  pod(tl, 200, 'p2', 'w2', true);
  tl.fault(5000, { host: 'w1', node: 'w1' }, 'process-stop');
  t.notOk(kubeletStop.recovered(tl.events, 5000, c));
  tl.add(14_000, {
    type: 'node',
    name: 'w1',
    ready: 'Unknown',
    taints: [{ taint: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
  });
  t.notOk(kubeletStop.recovered(tl.events, 5000, c), 'NotReady only');
  pod(tl, 19_000, 'p1', 'w1', true, true);
  pod(tl, 19_100, 'p3', null, false);
  t.notOk(kubeletStop.recovered(tl.events, 5000, c), 'evicted, replacement pending');
  pod(tl, 19_600, 'p3', 'w2', true);
  t.ok(kubeletStop.recovered(tl.events, 5000, c));
  // grace 8 + 2 × period 1 + renew 2 + toleration + 60 s; capped at 30 min.
  t.equal(kubeletStop.observeMs(FAST, { tolerationSeconds: 5 }), 1000 * (8 + 2 + 2 + 5 + 60));
  t.equal(kubeletStop.observeMs(FAST, { tolerationSeconds: 86_400 }), 30 * 60_000);
  // cert-expiry's kubelet-client variant: the same NotReady bound + 15 s.
  t.equal(certExpiry.observeMs(FAST, { variant: 'kubelet-client' }), 1000 * (8 + 2 + 2 + 15));
  t.match(kubeletStop.analysis?.(c, {} as never), {
    timings: { tolerationSeconds: 5 },
    target: { node: 'w1' },
  });
  t.match(kubeletStop.analysis?.(ctx({ host: 'w2' }), {} as never), {
    timings: { tolerationSeconds: 300 },
    target: { node: 'w2' },
  });
});

t.test('etcd-restore: recovered only after failures, then 3 s of success', async (t) => {
  const ok = new Timeline().lb(0, 20_000, () => true).fault(5000, { host: 'cp1,cp2,cp3' }, 'etcd-restore');
  t.notOk(etcdRestore.recovered(ok.events, 5000, ctx()), 'no outage seen: the restore has not happened');
  const tl = new Timeline().lb(0, 30_000, (x) => !(x >= 8000 && x < 20_000));
  t.notOk(
    etcdRestore.recovered(
      tl.events.filter((e) => e.atMs < 22_000),
      5000,
      ctx(),
    ),
  );
  t.ok(etcdRestore.recovered(tl.events, 5000, ctx()));
});

t.test('lb-stop services: keepalived and haproxy of a VRRP pair; haproxy alone on a single LB', async (t) => {
  const components = async (lbs: string[], host?: string) => {
    const c = ctx({ variant: 'services', ...(host ? { host } : {}) }, lbs);
    const f = await lbStop.fault(c);
    return f
      .plan(c.target)
      .filter((s) => s.step === 'inject')
      .map((s) => (JSON.parse(s.argv[1]!) as { component: string }).component);
  };
  t.same(await components(['lb1', 'lb2'], 'lb1'), ['keepalived', 'haproxy']);
  t.same(await components(['lb1']), ['haproxy'], 'no peer to hand the VIP to: its haproxy is what serves');
});
