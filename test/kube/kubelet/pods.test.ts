import type { V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { heartbeatConditions, nodeLease, nodeObject } from '../../../src/kube/kubelet/node.ts';
import { podAction, podIp, runningStatus } from '../../../src/kube/kubelet/pods.ts';

const pod = (extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name: 'web-1', namespace: 'default', uid: 'u1' },
  spec: { nodeName: 'w1', containers: [{ name: 'app', image: 'nginx' }] },
  ...extra,
});

t.test('pod actions', async (t) => {
  t.equal(podAction(pod(), 'w1'), 'start');
  t.equal(podAction(pod(), 'w2'), 'none', 'not bound here');
  t.equal(podAction(pod({ metadata: { uid: 'u1', deletionTimestamp: new Date() } }), 'w1'), 'delete');
  t.equal(podAction(pod({ status: { phase: 'Succeeded' } }), 'w1'), 'none');
  const running = pod({ status: runningStatus(pod(), '198.18.0.31', '10.244.31.2', new Date()) });
  t.equal(podAction(running, 'w1'), 'none');
  const notReady = pod({
    status: {
      ...running.status,
      conditions: running.status?.conditions?.map((c) =>
        c.type === 'Ready' ? { ...c, status: 'False' } : c,
      ),
    },
  });
  t.equal(
    podAction(notReady, 'w1'),
    'repost',
    'Ready=False set by the node lifecycle controller is corrected',
  );
});

t.test('running status: phase, four conditions, container running, IPs kept', async (t) => {
  const now = new Date('2026-01-01T00:00:00Z');
  const s = runningStatus(pod(), '198.18.0.31', '10.244.31.2', now);
  t.equal(s.phase, 'Running');
  t.equal(s.podIP, '10.244.31.2');
  t.equal(s.hostIP, '198.18.0.31');
  for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) {
    t.equal(s.conditions?.find((c) => c.type === type)?.status, 'True', type);
  }
  t.equal(s.containerStatuses?.[0]?.ready, true);
  t.ok(s.containerStatuses?.[0]?.state?.running?.startedAt);
  const again = runningStatus(pod({ status: s }), '198.18.0.31', '10.244.31.9', new Date());
  t.equal(again.podIP, '10.244.31.2', 'keeps its IP');
  t.same(again.startTime, now);
  t.equal(podIp('198.18.0.32', 0), '10.244.32.2');
});

t.test('node object and heartbeat conditions', async (t) => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const n = nodeObject({ name: 'w1', ip: '198.18.0.31' }, t0);
  t.same(n.metadata?.labels?.['kubernetes.io/hostname'], 'w1');
  t.same(n.metadata?.labels?.['topology.kubernetes.io/zone'], 'lab');
  t.notOk(Object.keys(n.metadata?.labels ?? {}).some((k) => k.startsWith('node-role')));
  t.same(n.status?.addresses?.[0], { type: 'InternalIP', address: '198.18.0.31' });
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  t.match(ready, { status: 'True', reason: 'KubeletReady' });
  // heartbeat keeps the transition time while Ready stays True
  const t1 = new Date('2026-01-01T00:00:10Z');
  const hb = heartbeatConditions(n.status?.conditions, t1);
  t.same(hb.find((c) => c.type === 'Ready')?.lastHeartbeatTime, t1);
  t.same(hb.find((c) => c.type === 'Ready')?.lastTransitionTime, t0);
  // after the NLC set Unknown, the transition time moves
  const unknown = hb.map((c) => ({ ...c, status: 'Unknown', reason: 'NodeStatusUnknown' }));
  const t2 = new Date('2026-01-01T00:01:00Z');
  const back = heartbeatConditions(unknown, t2);
  t.match(
    back.find((c) => c.type === 'Ready'),
    { status: 'True', lastTransitionTime: t2, reason: 'KubeletReady' },
  );
  const lease = nodeLease('w1', 40, t2, { uid: 'n1' });
  t.match(lease, {
    metadata: { name: 'w1', namespace: 'kube-node-lease', ownerReferences: [{ kind: 'Node', uid: 'n1' }] },
    spec: { holderIdentity: 'w1', leaseDurationSeconds: 40 },
  });
});
