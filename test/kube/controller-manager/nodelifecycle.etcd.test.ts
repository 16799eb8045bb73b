/**
 * The kubelet-stop drill end to end against the real lab apiserver: two kubelet agents, the
 * controller-manager and the scheduler as processes. A ReplicaSet's replicas spread over both nodes;
 * SIGKILL one kubelet → Node Ready=Unknown (NodeStatusUnknown) after the grace period, its pods
 * Ready=False, unreachable NoSchedule + NoExecute taints, the pod evicted after its tolerationSeconds,
 * a replacement scheduled on the other node; both kubelets down → full disruption: no NoExecute;
 * the kubelet back → taints removed. Timings are asserted from the configured periods.
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { makeClients } from '../../../src/kube/runtime/kube.ts';
import { startTestApiserver } from '../../helpers/apiserver.ts';
import { expectLog, spawnComponent, until } from '../leaderelection/procs.ts';

const LEASE_S = 2; // kubelet renews every 500 ms
const RENEW_MS = (LEASE_S * 1000) / 4;
const STATUS_MS = 500;
const PERIOD_MS = 500; // --node-monitor-period
const GRACE_MS = 2500; // --node-monitor-grace-period
const TOLERATION_S = 2;
const UNREACHABLE = 'node.kubernetes.io/unreachable';

t.test('kubelet stop: NotReady, taints, eviction, replacement, full disruption, recovery', async (t) => {
  t.setTimeout(58_000);
  const api = await startTestApiserver(t);
  const { core, apps } = makeClients(api.kubeConfig(), 3000);
  const le = [
    '--leader-elect-lease-duration=2s',
    '--leader-elect-renew-deadline=1500ms',
    '--leader-elect-retry-period=500ms',
  ];
  const kubeletArgs = (name: string, ip: string) => [
    '--kubeconfig',
    api.kubeconfigPath,
    `--hostname-override=${name}`,
    `--node-ip=${ip}`,
    `--node-lease-duration-seconds=${LEASE_S}`,
    `--node-status-update-frequency=${STATUS_MS}ms`,
    '--lab-pod-start-delay=200ms',
  ];
  let w1 = await spawnComponent(t, 'kubelet/main.ts', kubeletArgs('w1', '198.18.0.31'));
  const w2 = await spawnComponent(t, 'kubelet/main.ts', kubeletArgs('w2', '198.18.0.32'));
  const kcm = await spawnComponent(t, 'controller-manager/main.ts', [
    '--kubeconfig',
    api.kubeconfigPath,
    '--lab-hostname=cp1',
    `--node-monitor-period=${PERIOD_MS}ms`,
    `--node-monitor-grace-period=${GRACE_MS}ms`,
    '--node-startup-grace-period=10s',
    '--node-eviction-rate=1', // one node/s: the test need not wait 10 s for a token
    ...le,
  ]);
  const sched = await spawnComponent(t, 'scheduler/main.ts', [
    '--kubeconfig',
    api.kubeconfigPath,
    '--lab-hostname=cp1',
    ...le,
  ]);

  const nodeOf = (name: string) => core.readNode({ name });
  const ready = (n: V1Node) => n.status?.conditions?.find((c) => c.type === 'Ready');
  const taintKeys = (n: V1Node) => (n.spec?.taints ?? []).map((x) => `${x.key}:${x.effect}`).sort();
  const rsPods = async () =>
    (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items;
  const isReady = (p: V1Pod) =>
    p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

  await until('both nodes Ready', 20_000, async () => {
    const [a, b] = await Promise.all([nodeOf('w1'), nodeOf('w2')]);
    return ready(a)?.status === 'True' && ready(b)?.status === 'True';
  });
  const toleration = (key: string) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: TOLERATION_S,
  });
  await apps.createNamespacedReplicaSet({
    namespace: 'default',
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'app', image: 'nginx' }],
            tolerations: [toleration(UNREACHABLE), toleration('node.kubernetes.io/not-ready')],
          },
        },
      },
    },
  });
  await until('2 replicas Running/Ready on both nodes', 15_000, async () => {
    const pods = (await rsPods()).filter(isReady);
    return pods.length === 2 && new Set(pods.map((p) => p.spec?.nodeName)).size === 2;
  });
  await until('RS status readyReplicas=2', 5000, async () => {
    const rs = await apps.readNamespacedReplicaSet({ name: 'web', namespace: 'default' });
    return rs.status?.readyReplicas === 2 && rs.status?.replicas === 2;
  });
  t.pass('replicas spread over w1 and w2 and Ready');
  const victim = (await rsPods()).find((p) => p.spec?.nodeName === 'w1');

  // --- stop w1's kubelet ---
  w1.child.kill('SIGKILL');
  await w1.exited;
  const killedAt = Date.now();
  await until(
    'w1 Ready=Unknown',
    GRACE_MS + 5000,
    async () => ready(await nodeOf('w1'))?.status === 'Unknown',
  );
  const unknownAfter = Date.now() - killedAt;
  const lo = GRACE_MS - RENEW_MS - PERIOD_MS;
  const hi = GRACE_MS + 2 * PERIOD_MS + RENEW_MS + 1000;
  t.ok(
    unknownAfter >= lo && unknownAfter <= hi,
    `Unknown ${unknownAfter} ms after the kill (window ${lo}..${hi} ms)`,
  );
  const n1 = await nodeOf('w1');
  t.match(ready(n1), { reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
  for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
    t.equal(n1.status?.conditions?.find((c) => c.type === type)?.status, 'Unknown', `${type} Unknown`);
  }
  await until(
    'unreachable NoSchedule + NoExecute on w1',
    3000,
    async () =>
      taintKeys(await nodeOf('w1')).join() ===
      [`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`].join(),
  );
  t.pass('w1 tainted unreachable NoSchedule and NoExecute');
  const noExecAdded = new Date(
    String((await nodeOf('w1')).spec?.taints?.find((x) => x.effect === 'NoExecute')?.timeAdded),
  ).getTime();

  // the victim: Ready=False, then evicted tolerationSeconds after the taint
  await until('victim evicted', TOLERATION_S * 1000 + 4000, async () => {
    const p = await core.readNamespacedPod({ name: victim?.metadata?.name ?? '', namespace: 'default' });
    return Boolean(p.metadata?.deletionTimestamp);
  });
  const evictedAfter = Date.now() - noExecAdded;
  // The controller sees the taint through its node watch and fires at the toleration's end (as
  // upstream's informer and timed queue); timeAdded has whole seconds (up to 1 s early), plus the
  // poll above.
  t.ok(
    evictedAfter >= TOLERATION_S * 1000 - 200 && evictedAfter <= TOLERATION_S * 1000 + 1500,
    `evicted ${evictedAfter} ms after the NoExecute taint (tolerationSeconds ${TOLERATION_S})`,
  );
  const v = await core.readNamespacedPod({ name: victim?.metadata?.name ?? '', namespace: 'default' });
  t.equal(
    v.status?.conditions?.find((c) => c.type === 'Ready')?.status,
    'False',
    'pod on the dead node Ready=False',
  );
  t.match(
    v.status?.conditions?.find((c) => c.type === 'DisruptionTarget'),
    { status: 'True', reason: 'DeletionByTaintManager' },
    'DisruptionTarget condition before the delete, as upstream addConditionAndDeletePod',
  );
  await expectLog(t, kcm, /evicting pod/);

  await until('replacement Running on w2', 10_000, async () => {
    const pods = (await rsPods()).filter((p) => !p.metadata?.deletionTimestamp);
    return pods.length === 2 && pods.every((p) => p.spec?.nodeName === 'w2' && isReady(p));
  });
  t.pass('replacement scheduled on w2 and Running');
  await expectLog(t, sched, /pod bound pod=default\/web-\w+ node=w2/);

  // --- both kubelets down: the zone is fully disrupted, NoExecute is lifted ---
  w2.child.kill('SIGKILL');
  await w2.exited;
  await until('w2 Unknown', GRACE_MS + 5000, async () => ready(await nodeOf('w2'))?.status === 'Unknown');
  await until('full disruption: no NoExecute on any node', 3000, async () => {
    const [a, b] = await Promise.all([nodeOf('w1'), nodeOf('w2')]);
    return [a, b].every((n) => taintKeys(n).join() === `${UNREACHABLE}:NoSchedule`);
  });
  await expectLog(t, kcm, /zone state changed zone=lab from=Normal to=FullDisruption/);
  await new Promise((r) => setTimeout(r, 2 * PERIOD_MS));
  t.same(taintKeys(await nodeOf('w2')), [`${UNREACHABLE}:NoSchedule`], 'no NoExecute while fully disrupted');
  t.equal(
    (await rsPods()).filter((p) => p.metadata?.deletionTimestamp).length,
    1,
    'no eviction in full disruption',
  );

  // --- w1 comes back: Ready, taints removed, its terminating pod finished ---
  w1 = await spawnComponent(t, 'kubelet/main.ts', kubeletArgs('w1', '198.18.0.31'));
  await until('w1 Ready again, untainted', 15_000, async () => {
    const n = await nodeOf('w1');
    return ready(n)?.status === 'True' && taintKeys(n).length === 0;
  });
  t.pass('w1 Ready and untainted after its kubelet returned');
  await until('terminating pod finished by the returning kubelet', 5000, async () =>
    (await rsPods()).every((p) => !p.metadata?.deletionTimestamp),
  );
  await until('zone Normal again: w2 gets NoExecute', 5000, async () =>
    taintKeys(await nodeOf('w2')).includes(`${UNREACHABLE}:NoExecute`),
  );
  t.pass('zone back to Normal: the still-dead w2 is NoExecute-tainted');
});
