/** Mirror pod shapes (pure): the mirror of a static pod, IsMirrorPodOf, the phase and the status key. */
import type { V1ContainerStatus } from '@kubernetes/client-node';
import t from 'tap';
import { decodeManifest } from '../../../../src/kube/kubelet/static/manifest.ts';
import {
  isMirrorPod,
  isMirrorPodOf,
  mirrorPodFor,
  mirrorStatus,
  podPhase,
  statusKey,
} from '../../../../src/kube/kubelet/static/mirror.ts';
import { manifest } from './helpers.ts';

const sp = decodeManifest(manifest({ name: 'etcd', command: ['etcd'] }), '/m/etcd.yaml', 'cp1', new Date(0));

t.test('the mirror pod: a copy with config.mirror and the Node as controller', async (t) => {
  const m = mirrorPodFor(sp, { name: 'cp1', uid: 'node-uid' });
  t.equal(m.metadata?.name, 'etcd-cp1');
  t.equal(m.metadata?.uid, undefined, 'the API assigns the mirror its own UID');
  t.equal(m.metadata?.annotations?.['kubernetes.io/config.mirror'], sp.uid);
  t.same(m.metadata?.ownerReferences, [
    { apiVersion: 'v1', kind: 'Node', name: 'cp1', uid: 'node-uid', controller: true },
  ]);
  t.ok(isMirrorPod(m));
  t.notOk(isMirrorPod(sp.pod), 'the static pod itself is not a mirror');
  t.ok(isMirrorPodOf(m, sp));
  const v2 = decodeManifest(
    manifest({ name: 'etcd', command: ['etcd', '--v2'] }),
    '/m/etcd.yaml',
    'cp1',
    new Date(0),
  );
  t.notOk(isMirrorPodOf(m, v2), 'outdated after the manifest changed (hash differs)');
});

const running: V1ContainerStatus = {
  name: 'c',
  ready: true,
  restartCount: 0,
  image: '',
  imageID: '',
  state: { running: {} },
};
const backingOff: V1ContainerStatus = {
  name: 'c',
  ready: false,
  restartCount: 3,
  image: '',
  imageID: '',
  state: { waiting: { reason: 'CrashLoopBackOff' } },
  lastState: { terminated: { exitCode: 1 } },
};
const creating: V1ContainerStatus = {
  name: 'c',
  ready: false,
  restartCount: 0,
  image: '',
  imageID: '',
  state: { waiting: { reason: 'ContainerCreating' } },
};

t.test('phase (getPhase)', async (t) => {
  t.equal(podPhase('Always', [creating]), 'Pending');
  t.equal(podPhase('Always', [running]), 'Running');
  t.equal(podPhase('Always', [backingOff]), 'Running', 'restarting after having run');
  t.equal(podPhase('Never', [{ ...running, state: { terminated: { exitCode: 0 } } }]), 'Succeeded');
  t.equal(podPhase('Never', [{ ...running, state: { terminated: { exitCode: 2 } } }]), 'Failed');
});

t.test('status: Ready follows the containers; transition times kept while unchanged', async (t) => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const s1 = mirrorStatus(sp, [running], '10.0.0.1', t0, undefined, t0);
  t.match(s1, { phase: 'Running', podIP: '10.0.0.1', hostIP: '10.0.0.1' });
  t.equal(s1.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  const t1 = new Date('2026-01-01T00:01:00Z');
  const s2 = mirrorStatus(sp, [running], '10.0.0.1', t0, JSON.parse(JSON.stringify(s1)), t1);
  t.same(s2.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime, t0, 'kept');
  t.equal(
    statusKey(s2),
    statusKey(JSON.parse(JSON.stringify(s1))),
    'same key after a JSON round trip: nothing to post',
  );
  const s3 = mirrorStatus(sp, [backingOff], '10.0.0.1', t0, s2, t1);
  t.match(
    s3.conditions?.find((c) => c.type === 'Ready'),
    { status: 'False', reason: 'ContainersNotReady', lastTransitionTime: t1 },
  );
  t.not(statusKey(s3), statusKey(s2), 'changed: post');
});
