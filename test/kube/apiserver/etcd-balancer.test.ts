/**
 * The apiserver's etcd round robin (src/kube/apiserver/etcd-balancer.ts): the picking rule over
 * channel states; attach's loud failure when etcd3's internals are not there; IDLE channels
 * reconnected; and the real etcd3 connection pool driven by it, against loopback servers that
 * answer HTTP/2 (grpc-js READY) or accept TCP and stay silent (CONNECTING, as a frozen etcd).
 */
// hadrill-test: unit waits (alone: 1.8 s of wall time, 0.7 s of CPU; scripts/run-files.mjs)
import http2 from 'node:http2';
import net from 'node:net';
import { noop } from 'cockatiel';
import type { Etcd3 } from 'etcd3';
import t, { type Test } from 'tap';

import { type Connectivity, EtcdBalancer, pickHost } from '../../../src/kube/apiserver/etcd-balancer.ts';
import { newEtcdClient } from '../../../src/kube/apiserver/etcd-client.ts';

const picks = (states: Connectivity[], from: number, n: number) =>
  Array.from({ length: n }, (_, i) => pickHost(states, from + i).index);

t.test('round robin over the READY hosts only', async (t) => {
  t.same(picks(['READY', 'READY', 'READY'], 0, 6), [0, 1, 2, 0, 1, 2]);
  t.same(picks(['READY', 'TRANSIENT_FAILURE', 'READY'], 0, 4), [0, 2, 0, 2]);
  t.same(picks(['CONNECTING', 'READY', 'IDLE'], 5, 3), [1, 1, 1]);
  t.equal(pickHost(['CONNECTING', 'READY', 'READY'], 7).tier, 'READY');
});

t.test('no READY host: CONNECTING, else IDLE, else TRANSIENT_FAILURE (endpointsharding)', async (t) => {
  t.same(pickHost(['TRANSIENT_FAILURE', 'CONNECTING', 'IDLE'], 3), { index: 1, tier: 'CONNECTING' });
  t.same(picks(['IDLE', 'TRANSIENT_FAILURE', 'IDLE'], 0, 4), [0, 2, 0, 2]);
  t.same(picks(['TRANSIENT_FAILURE', 'TRANSIENT_FAILURE'], 1, 3), [1, 0, 1]);
  t.throws(() => pickHost([], 0), /no etcd servers/);
});

/** A fake grpc channel/client/etcd3 Host, as etcd3 1.1.2's connection-pool.js holds them. */
function fakeHost(policy: unknown, state: number) {
  const channel = {
    state,
    connects: 0,
    watchers: [] as (() => void)[],
    getConnectivityState(tryToConnect: boolean) {
      if (tryToConnect) channel.connects++;
      return channel.state;
    },
    watchConnectivityState(_s: number, _d: number, cb: () => void) {
      channel.watchers.push(cb);
    },
    set(s: number) {
      channel.state = s;
      for (const w of channel.watchers.splice(0)) w();
    },
  };
  const client = { getChannel: () => channel };
  const host = {
    faultHandling: policy,
    closed: false,
    cachedServices: { KV: client } as Record<string, typeof client>,
    getServiceClient: () => client,
  };
  return { host, channel };
}

t.test('attach reads etcd3 internals or throws naming them', async (t) => {
  const b = new EtcdBalancer();
  const policies = [b.hostPolicy('http://a:2379'), b.hostPolicy('http://b:2379')];
  const internals = /etcd3 1\.1\.2's lib\/connection-pool\.js internals/;
  t.throws(() => b.attach({} as Etcd3), internals);
  t.throws(() => b.attach({ pool: { hosts: [fakeHost(policies[0], 2).host] } } as unknown as Etcd3), {
    message: /pool.hosts has 1 hosts for 2 servers/,
  });
  const swapped = [fakeHost(policies[1], 2).host, fakeHost(policies[0], 2).host];
  t.throws(() => b.attach({ pool: { hosts: swapped } } as unknown as Etcd3), internals);
  const noChannel = [fakeHost(policies[0], 2).host, { ...fakeHost(policies[1], 2).host }];
  noChannel[1]!.getServiceClient = () => ({}) as never;
  t.throws(() => b.attach({ pool: { hosts: noChannel } } as unknown as Etcd3), /no grpc channel/);
  t.throws(() => new EtcdBalancer().admit(0), /attach was not called/);
});

t.test('policies admit the pick only; IDLE channels are connected again', async (t) => {
  const b = new EtcdBalancer();
  const fakes = [0, 1, 2].map((i) => fakeHost(b.hostPolicy(`http://m${i}:2379`), 2));
  b.attach({ pool: { hosts: fakes.map((f) => f.host) } } as unknown as Etcd3);
  t.same(
    fakes.map((f) => f.channel.connects),
    [1, 1, 1],
    'every channel connected at attach',
  );
  /** Like connection-pool.js withConnection: asks every host once, in some order, until one admits. */
  const call = (order: number[]) => order.find((i) => b.admit(i));
  const seq = Array.from({ length: 6 }, (_, n) => call(n % 2 ? [2, 1, 0] : [0, 1, 2]));
  t.same(new Set(seq.slice(0, 3)), new Set([0, 1, 2]), 'three calls, three hosts, whatever the ask order');
  t.same(seq.slice(3), seq.slice(0, 3), 'then the same cycle');

  fakes[1]!.channel.set(0); // transport failed: IDLE
  await new Promise((r) => setImmediate(r));
  t.equal(fakes[1]!.channel.connects, 2, 'IDLE: connected again');
  fakes[1]!.channel.set(1); // CONNECTING (to a frozen member)
  await new Promise((r) => setImmediate(r));
  const skipping = Array.from({ length: 6 }, () => call([1, 0, 2]));
  t.notOk(skipping.includes(1), `the CONNECTING host is skipped: ${skipping}`);
  t.same(new Set(skipping), new Set([0, 2]));

  for (const f of fakes) f.channel.set(3); // all TRANSIENT_FAILURE: round robin over all
  await new Promise((r) => setImmediate(r));
  t.same(new Set(Array.from({ length: 3 }, () => call([2, 0, 1]))), new Set([0, 1, 2]));

  fakes[0]!.host.closed = true; // etcd3 closed the client: no more reconnects
  fakes[0]!.channel.set(0);
  await new Promise((r) => setImmediate(r));
  t.equal(fakes[0]!.channel.connects, 2);
});

/** A loopback server: `http2` answers SETTINGS (grpc-js READY); `silent` accepts and never speaks. */
async function server(kind: 'http2' | 'silent', t: Test): Promise<string> {
  const sockets = new Set<net.Socket>();
  const s = kind === 'http2' ? http2.createServer() : net.createServer();
  s.on('connection', (c: net.Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.teardown(async () => {
    for (const c of sockets) c.destroy();
    await new Promise((r) => s.close(r));
  });
  return `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`;
}

type Pool = {
  withConnection<T>(service: 'KV', fn: (c: { resource: { host: string } }) => Promise<T> | T): Promise<T>;
  hosts: { faultHandling: unknown }[];
};
const poolOf = (etcd: Etcd3) => (etcd as unknown as { pool: Pool }).pool;

/** Which host each of `n` concurrent etcd3 calls goes to (the call itself is not sent). */
async function hostsOf(etcd: Etcd3, n: number): Promise<string[]> {
  const pool = poolOf(etcd);
  return Promise.all(
    Array.from({ length: n }, () => pool.withConnection('KV', ({ resource }) => `http://${resource.host}`)),
  );
}

const count = (xs: string[]) =>
  Object.fromEntries([...new Set(xs)].map((x) => [x, xs.filter((y) => y === x).length]));

t.test('the real etcd3 pool: READY hosts in turn, a silent one never', async (t) => {
  const [a, frozen, b] = [await server('http2', t), await server('silent', t), await server('http2', t)];
  const etcd = newEtcdClient({ servers: [a, frozen, b] });
  t.teardown(() => etcd.close());
  const until = Date.now() + 5000;
  let got: string[] = [];
  while (Date.now() < until) {
    got = await hostsOf(etcd, 30);
    if (!got.includes(frozen) && new Set(got).size === 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.same(count(got), { [a]: 15, [b]: 15 }, '30 concurrent calls: 15 and 15, none on the silent host');
});

t.test('the real etcd3 pool: no host READY, round robin over all', async (t) => {
  const servers = [await server('silent', t), await server('silent', t), await server('silent', t)];
  const etcd = newEtcdClient({ servers });
  t.teardown(() => etcd.close());
  await new Promise((r) => setTimeout(r, 200)); // all CONNECTING (TCP accepted, no HTTP/2 SETTINGS)
  t.same(count(await hostsOf(etcd, 30)), Object.fromEntries(servers.map((s) => [s, 10])));
});

t.test('one server: the pass-through policy, as before', async (t) => {
  const etcd = newEtcdClient({ servers: ['http://127.0.0.1:2379'] });
  t.teardown(() => etcd.close());
  t.equal(poolOf(etcd).hosts[0]?.faultHandling, noop);
});
