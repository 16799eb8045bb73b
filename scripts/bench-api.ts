/**
 * Measures the lab's API on a running lab (npm run lab -- up first): GET and LIST latency through
 * the VIP at a fixed rate, watch event latency (write → event), sustained writes per second, and
 * the RSS of every lab process. Bounded in count and time. Usage:
 *   npm run bench:api -- [--rate 50] [--seconds 20]
 */
import https from 'node:https';
import { parseArgs } from 'node:util';
import { Watch } from '@kubernetes/client-node';
import { groupRssMb } from '../src/lab/procs.ts';
import { requireLab } from '../src/lab/saved.ts';
import { Supervisor } from '../src/lab/supervisor.ts';
import { labTopology } from '../src/lab/target.ts';
import { KubeAccess } from '../src/probes/kube.ts';
import { percentile } from '../src/probes/load.ts';
import { ensureDrillNamespace } from '../src/probes/writes.ts';
import { sleep } from '../src/util/time.ts';

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '50' }, seconds: { type: 'string', default: '20' } },
});
const rate = Math.min(200, Number(values.rate));
const seconds = Math.min(120, Number(values.seconds));
const cfg = requireLab();
const topo = labTopology(cfg);
const kube = new KubeAccess(topo.kubeconfigPath);
const api = topo.apiUrl;
const ns = 'ha-drill';
await ensureDrillNamespace(kube, api);
const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50)?.toFixed(1)} ms, p99 ${percentile(s, 99)?.toFixed(1)} ms (n=${s.length})`;
};

// 1. GET and LIST at a fixed open-loop rate over kept-alive connections.
const agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
for (let i = 0; i < 30; i++) {
  await kube.request('POST', `${api}/api/v1/namespaces/${ns}/configmaps`, {
    timeoutMs: 5000,
    body: { metadata: { name: `bench-${i}`, labels: { bench: 'list' } }, data: { i: String(i) } },
  });
}
for (const [what, url] of [
  ['GET', `${api}/api/v1/namespaces/default`],
  ['LIST (30 ConfigMaps)', `${api}/api/v1/namespaces/${ns}/configmaps?labelSelector=bench%3Dlist`],
] as const) {
  const lat: number[] = [];
  let failures = 0;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < rate * seconds; i++) {
    pending.push(
      kube.get(url, { timeoutMs: 2000, agent }).then((r) => {
        if (r.ok) lat.push(r.latencyMs);
        else failures += 1;
      }),
    );
    await sleep(1000 / rate);
  }
  await Promise.all(pending);
  console.log(`${what} through the VIP at ${rate} req/s for ${seconds} s: ${fmt(lat)}, ${failures} failed`);
}

// 2. Watch event latency: create a ConfigMap, time until the watch delivers ADDED.
const sent = new Map<string, number>();
const watchLat: number[] = [];
const w = new Watch(kube.kc);
const ctl = await w.watch(
  `/api/v1/namespaces/${ns}/configmaps`,
  { labelSelector: 'bench=watch' },
  (phase, obj: { metadata?: { name?: string } }) => {
    const t0 = sent.get(obj.metadata?.name ?? '');
    if (phase === 'ADDED' && t0 !== undefined) watchLat.push(performance.now() - t0);
  },
  () => {},
);
await sleep(500);
for (let i = 0; i < 50; i++) {
  const name = `bench-w-${Date.now()}-${i}`;
  sent.set(name, performance.now());
  await kube.request('POST', `${api}/api/v1/namespaces/${ns}/configmaps`, {
    timeoutMs: 5000,
    body: { metadata: { name, labels: { bench: 'watch' } } },
  });
  await sleep(50);
}
await sleep(1000);
ctl.abort();
console.log(`watch event latency (write acknowledged → event, through the VIP): ${fmt(watchLat)}`);

// 3. Sustained writes: 8 closed-loop writers for 10 s.
let writes = 0;
let writeFailures = 0;
const until = performance.now() + 10_000;
await Promise.all(
  Array.from({ length: 8 }, async (_, wi) => {
    for (let i = 0; performance.now() < until; i++) {
      const r = await kube.request('POST', `${api}/api/v1/namespaces/${ns}/configmaps`, {
        timeoutMs: 5000,
        agent,
        body: { metadata: { name: `bench-s-${wi}-${i}-${Date.now()}`, labels: { bench: 'sustained' } } },
      });
      if (r.ok) writes += 1;
      else writeFailures += 1;
    }
  }),
);
console.log(
  `sustained writes through the VIP: ${(writes / 10).toFixed(0)} writes/s (8 writers, 10 s, ${writeFailures} failed)`,
);
for (const sel of ['bench=list', 'bench=watch', 'bench=sustained']) {
  await kube.request(
    'DELETE',
    `${api}/api/v1/namespaces/${ns}/configmaps?labelSelector=${encodeURIComponent(sel)}`,
    {
      timeoutMs: 30_000,
    },
  );
}
agent.destroy();

// 4. RSS of every lab process.
for (const c of new Supervisor(cfg.stateDir).components()) {
  if (c.state.state !== 'running') continue;
  console.log(`rss ${c.host}/${c.name}: ${groupRssMb(c.state.pid).toFixed(1)} MB`);
}
