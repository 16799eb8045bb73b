/**
 * The kubelet agent against the real lab apiserver, through a TCP proxy standing in for the LB:
 * registration, node lease renewal every 1/4 of its duration, Ready heartbeats, pods turned
 * Running/Ready, deletion finished with grace 0, the pod watch surviving an LB outage, and heartbeats
 * stopping at once on SIGSTOP / SIGKILL.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type KubeConfig, type V1Lease, type V1Node, type V1Pod, Watch } from '@kubernetes/client-node';
import t from 'tap';
import { makeClients } from '../../../src/kube/runtime/kube.ts';
import { startTestApiserver } from '../../helpers/apiserver.ts';
import { expectLog, spawnComponent, until } from '../leaderelection/procs.ts';
import { startProxy } from './proxy.ts';

const LEASE_S = 4; // renewed every 1 s
const STATUS_MS = 1000;
const START_DELAY_MS = 300;
const ms = (v: unknown) => new Date(String(v instanceof Date ? v.toISOString() : v)).getTime();

/** The next `n` distinct values `pick` reads from MODIFIED events of object `name` under `path`. */
async function updates(
  kc: KubeConfig,
  path: string,
  name: string,
  n: number,
  pick: (o: unknown) => number,
  timeoutMs = 10_000,
): Promise<number[]> {
  const values: number[] = [];
  let stop: AbortController | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${path}/${name}: ${values.length}/${n} updates`)),
        timeoutMs,
      );
      const done = (err?: unknown) => {
        clearTimeout(timer);
        if (values.length >= n) resolve();
        else reject(err ?? new Error(`${path}/${name}: the watch ended`));
      };
      new Watch(kc)
        .watch(
          path,
          { fieldSelector: `metadata.name=${name}` },
          (type, obj) => {
            const v = pick(obj);
            if (type !== 'MODIFIED' || Number.isNaN(v) || v === values.at(-1)) return;
            values.push(v);
            if (values.length === n) done();
          },
          (err) => done(err),
        )
        .then((c) => {
          stop = c;
        }, reject);
    });
  } finally {
    stop?.abort();
  }
  return values;
}

t.test('kubelet agent', async (t) => {
  t.setTimeout(55_000);
  const api = await startTestApiserver(t);
  const proxy = await startProxy(api.address, api.port);
  t.teardown(() => proxy.close());
  const kubeconfig = path.join(api.dir, 'kubelet.kubeconfig');
  await writeFile(
    kubeconfig,
    (await readFile(api.kubeconfigPath, 'utf8')).replace(api.url, `https://${api.address}:${proxy.port}`),
  );
  const { core, coord } = makeClients(api.kubeConfig(), 3000);
  const kubelet = await spawnComponent(t, 'kubelet/main.ts', [
    '--kubeconfig',
    kubeconfig,
    '--hostname-override=w1',
    '--node-ip=198.18.0.31',
    `--node-lease-duration-seconds=${LEASE_S}`,
    `--node-status-update-frequency=${STATUS_MS}ms`,
    `--lab-pod-start-delay=${START_DELAY_MS}ms`,
  ]);
  const readyCond = async () =>
    (await core.readNode({ name: 'w1' })).status?.conditions?.find((c) => c.type === 'Ready');
  const lease = () => coord.readNamespacedLease({ name: 'w1', namespace: 'kube-node-lease' });

  await t.test('registers a Ready node and renews its lease', async (t) => {
    await until('node w1 Ready', 15_000, async () => (await readyCond())?.status === 'True');
    const node = await core.readNode({ name: 'w1' });
    t.equal(node.metadata?.labels?.['kubernetes.io/hostname'], 'w1');
    t.equal(node.metadata?.labels?.['topology.kubernetes.io/zone'], 'lab');
    t.same(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, '198.18.0.31');
    t.ok(node.status?.capacity?.pods);
    await until('node lease', 5000, async () => (await lease()).spec?.holderIdentity === 'w1');
    const l1 = await lease();
    t.equal(l1.spec?.leaseDurationSeconds, LEASE_S);
    t.equal(l1.metadata?.ownerReferences?.[0]?.kind, 'Node');
    // Every update, from a watch (no poll can miss one): each renewal and heartbeat comes at least
    // one period after the previous one (the loop waits the period after each write) and none is
    // skipped (less than two periods apart).
    const [renewals, heartbeats] = await Promise.all([
      updates(
        api.kubeConfig(),
        '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
        'w1',
        3,
        (o) => ms((o as V1Lease).spec?.renewTime),
      ),
      updates(api.kubeConfig(), '/api/v1/nodes', 'w1', 3, (o) =>
        ms((o as V1Node).status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime),
      ),
    ]);
    const renewMs = (LEASE_S * 1000) / 4;
    for (const [what, values, period] of [
      ['lease renewal', renewals, renewMs],
      ['Ready heartbeat', heartbeats, STATUS_MS],
    ] as const) {
      for (let i = 1; i < values.length; i++) {
        const gap = values[i]! - values[i - 1]!;
        t.ok(
          gap >= period - 1 && gap < 2 * period,
          `${what} ${i}: ${gap} ms after the previous (period ${period} ms)`,
        );
      }
    }
  });

  const mkPod = (name: string): V1Pod => ({
    metadata: { name, namespace: 'default' },
    spec: { nodeName: 'w1', containers: [{ name: 'app', image: 'nginx' }] },
  });
  const podReady = async (name: string) => {
    const p = await core.readNamespacedPod({ name, namespace: 'default' });
    return (
      p.status?.phase === 'Running' &&
      (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false)
    );
  };

  await t.test('runs bound pods and finishes their deletion', async (t) => {
    const t0 = Date.now();
    await core.createNamespacedPod({ namespace: 'default', body: mkPod('p1') });
    await until('p1 Running/Ready', 5000, () => podReady('p1'));
    t.ok(Date.now() - t0 >= START_DELAY_MS, `started after the start delay (${Date.now() - t0} ms)`);
    const p = await core.readNamespacedPod({ name: 'p1', namespace: 'default' });
    t.match(p.status?.podIP, /^10\.244\.31\.\d+$/);
    t.equal(p.status?.hostIP, '198.18.0.31');
    for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) {
      t.equal(p.status?.conditions?.find((c) => c.type === type)?.status, 'True', type);
    }
    t.ok(p.status?.containerStatuses?.[0]?.state?.running, 'container running');
    await core.deleteNamespacedPod({ name: 'p1', namespace: 'default' }); // default grace 30 s
    await until('p1 gone', 5000, async () => {
      try {
        await core.readNamespacedPod({ name: 'p1', namespace: 'default' });
        return false;
      } catch (e) {
        return (e as { code?: number }).code === 404;
      }
    });
    await expectLog(t, kubelet, /pod terminated pod=default\/p1/);
  });

  await t.test('the pod watch survives an LB outage', async (t) => {
    await proxy.down();
    await core.createNamespacedPod({ namespace: 'default', body: mkPod('p2') });
    await new Promise((r) => setTimeout(r, 2500));
    t.notOk(await podReady('p2'), 'nothing happens while the kubelet cannot reach the API');
    await proxy.up();
    await until('p2 Running/Ready after the outage', 10_000, () => podReady('p2'));
    await expectLog(t, kubelet, /node lease renewal failed/);
    await expectLog(t, kubelet, /node lease renewal succeeded again/);
  });

  await t.test('SIGSTOP and SIGKILL stop every heartbeat', async (t) => {
    kubelet.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 300));
    const frozen = ms((await lease()).spec?.renewTime);
    const hb = ms((await readyCond())?.lastHeartbeatTime);
    await new Promise((r) => setTimeout(r, 2500));
    t.equal(ms((await lease()).spec?.renewTime), frozen, 'lease not renewed while stopped');
    t.equal(ms((await readyCond())?.lastHeartbeatTime), hb, 'no heartbeat while stopped');
    kubelet.child.kill('SIGCONT');
    await until('renewals resume', 5000, async () => ms((await lease()).spec?.renewTime) > frozen);
    kubelet.child.kill('SIGKILL');
    await kubelet.exited;
    const last = ms((await lease()).spec?.renewTime);
    await new Promise((r) => setTimeout(r, 2000));
    t.equal(ms((await lease()).spec?.renewTime), last, 'no renewal after SIGKILL');
  });
});

t.test('bad flags exit 2', async (t) => {
  const k = await spawnComponent(t, 'kubelet/main.ts', [
    '--kubeconfig',
    '/x',
    '--node-status-update-frequency=10',
  ]);
  t.equal(await k.exited, 2);
  t.match(k.text(), /--node-status-update-frequency: invalid duration '10': the number 10 has no unit/);
});
