/**
 * Lease endpoint reconciler, identity Lease and SIGTERM behaviour, with two apiservers
 * (127.0.0.1 and 127.0.0.2) on one etcd and short lab timings.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { CoordinationV1Api, CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { Etcd3 } from 'etcd3';
import t from 'tap';
import { freePort, startTestApiserver, startTestEtcd } from '../../helpers/apiserver.ts';

const TTL_S = 3;
const INTERVAL_S = 1;
const flags = [
  `--master-lease-ttl=${TTL_S}s`,
  `--endpoint-reconciler-interval=${INTERVAL_S}s`,
  '--identity-lease-renew-interval-seconds=1',
];
const shared = await startTestEtcd();
t.teardown(shared.stop);
const port = await freePort();
// Both start at once, on one etcd and one port (as control planes share 6443).
const [a, b] = await Promise.all([
  startTestApiserver(t, { flags, etcd: shared, port }),
  startTestApiserver(t, { flags, address: '127.0.0.2', etcd: shared, port }),
]);
const kc = a.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const disco = kc.makeApiClient(DiscoveryV1Api);
const coord = kc.makeApiClient(CoordinationV1Api);
const etcd = new Etcd3({ hosts: a.etcdEndpoint });
t.teardown(() => etcd.close());

async function endpointIps(): Promise<{ ep: string[]; slice: string[] }> {
  const ep = await core.readNamespacedEndpoints({ name: 'kubernetes', namespace: 'default' });
  const slice = await disco.readNamespacedEndpointSlice({ name: 'kubernetes', namespace: 'default' });
  return {
    ep: (ep.subsets?.[0]?.addresses ?? []).map((x) => x.ip),
    slice: (slice.endpoints ?? []).flatMap((e) => e.addresses),
  };
}

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('both apiservers hold a master lease and appear in Endpoints and EndpointSlice', async (t) => {
  const keys = await until('two master leases', 5000, async () => {
    const k = Object.keys(await etcd.getAll().prefix('/registry/masterleases/').strings()).sort();
    return k.length === 2 ? k : undefined;
  });
  t.same(keys, ['/registry/masterleases/127.0.0.1', '/registry/masterleases/127.0.0.2']);
  const lease = await etcd.get('/registry/masterleases/127.0.0.1').exec();
  const leaseId = lease.kvs[0]?.lease;
  t.ok(leaseId && leaseId !== '0', 'the key is attached to an etcd lease');
  const ttl = await etcd.leaseClient.leaseTimeToLive({ ID: leaseId! });
  t.ok(Number(ttl.grantedTTL) === TTL_S, `granted TTL ${ttl.grantedTTL}`);

  const ips = await until('both IPs in endpoints', 5000, async () => {
    const x = await endpointIps();
    return x.ep.length === 2 && x.slice.length === 2 ? x : undefined;
  });
  t.same(ips.ep, ['127.0.0.1', '127.0.0.2']);
  t.same(ips.slice, ['127.0.0.1', '127.0.0.2']);
  const slice = await disco.readNamespacedEndpointSlice({ name: 'kubernetes', namespace: 'default' });
  t.equal(slice.metadata?.labels?.['kubernetes.io/service-name'], 'kubernetes');
  t.equal(slice.addressType, 'IPv4');
  t.same(slice.ports, [{ name: 'https', port: a.port, protocol: 'TCP' }]);
  const ep = await core.readNamespacedEndpoints({ name: 'kubernetes', namespace: 'default' });
  t.equal(ep.subsets?.[0]?.ports?.[0]?.name, 'https');
});

t.test('identity Leases exist, labelled, and are renewed', async (t) => {
  const list = await coord.listNamespacedLease({
    namespace: 'kube-system',
    labelSelector: 'apiserver.kubernetes.io/identity=kube-apiserver',
  });
  t.equal(list.items.length, 2);
  const l = list.items[0]!;
  t.match(l.metadata?.name, /^apiserver-[a-z2-7]{26}$/);
  t.equal(l.spec?.leaseDurationSeconds, 3600);
  t.match(l.spec?.holderIdentity, new RegExp(`^${l.metadata?.name}_[0-9a-f-]{36}$`));
  // renewTime arrives as a string or a Date depending on the client-node version.
  const ms = (v: unknown) => new Date(v as string).getTime();
  const before = ms(l.spec?.renewTime);
  const renewed = await until('identity lease renewed', 4000, async () => {
    const x = await coord.readNamespacedLease({ name: l.metadata!.name!, namespace: 'kube-system' });
    return ms(x.spec?.renewTime) > before ? x : undefined;
  });
  t.ok(renewed, 'renewTime moved forward');
});

t.test('SIGKILL: the dead apiserver leaves the endpoints within TTL + interval', async (t) => {
  b.proc.kill('SIGKILL');
  const killed = Date.now();
  const ips = await until('127.0.0.2 removed', (TTL_S + INTERVAL_S) * 1000 + 3000, async () => {
    const x = await endpointIps();
    return x.ep.length === 1 && x.slice.length === 1 ? x : undefined;
  });
  const took = Date.now() - killed;
  t.same(ips.ep, ['127.0.0.1']);
  t.same(ips.slice, ['127.0.0.1']);
  t.ok(
    took <= (TTL_S + INTERVAL_S) * 1000 + 1500,
    `removed after ${took} ms (TTL ${TTL_S}s + interval ${INTERVAL_S}s)`,
  );
});

t.test('SIGTERM: readyz fails at once, lease removed at once, exit 0 after the shutdown delay', async (t) => {
  const c = await startTestApiserver(t, {
    flags: [...flags, '--shutdown-delay-duration=2s'],
    address: '127.0.0.3',
    etcd: a.etcd,
    port: a.port,
  });
  await until('127.0.0.3 in endpoints', 5000, async () =>
    (await endpointIps()).ep.includes('127.0.0.3') ? true : undefined,
  );
  const ca = readFileSync(c.caFile);
  const readyz = () =>
    new Promise<number>((resolve) => {
      const req = https.get(`${c.url}/readyz?verbose`, { ca, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(-1));
    });
  t.equal(await readyz(), 200);
  const exited = c.exited();
  c.proc.kill('SIGTERM');
  const termAt = Date.now();
  const failedAfter = await until('readyz failing', 1000, async () =>
    (await readyz()) === 500 ? Date.now() - termAt : undefined,
  );
  t.ok(failedAfter < 500, `readyz failed ${failedAfter} ms after SIGTERM`);
  const removedAfter = await until('lease key gone', 1500, async () =>
    (await etcd.get('/registry/masterleases/127.0.0.3').exec()).kvs.length === 0
      ? Date.now() - termAt
      : undefined,
  );
  t.ok(removedAfter < 1000, `master lease removed ${removedAfter} ms after SIGTERM`);
  // The shutdown deletes the key, then reconciles (upstream RemoveEndpoints: RemoveLease, then
  // doReconcile): the endpoints follow within the same second.
  const reconciledAfter = await until('endpoints without 127.0.0.3', 1500, async () =>
    (await endpointIps()).ep.includes('127.0.0.3') ? undefined : Date.now() - termAt,
  );
  t.ok(reconciledAfter < 1000, `endpoints reconciled without it ${reconciledAfter} ms after SIGTERM`);
  const { code } = await exited;
  const exitedAfter = Date.now() - termAt;
  t.equal(code, 0);
  t.ok(exitedAfter >= 2000 && exitedAfter < 4500, `exited ${exitedAfter} ms after SIGTERM (delay 2s)`);
});
