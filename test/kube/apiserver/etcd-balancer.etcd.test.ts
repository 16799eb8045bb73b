/**
 * kubeadm's external etcd: one apiserver with all three members of a real etcd cluster in
 * --etcd-servers. A follower frozen with SIGSTOP (its TCP stays open and silent, as behind an
 * iptables DROP) costs the calls that go to it until the keepalive (10 s + 5 s) drops its channel;
 * from then on every request and /readyz succeeds, promptly, on the other two (the round robin
 * skips the member that is not READY: etcd-balancer.ts). After SIGCONT the member gets calls
 * again, as its own metrics show.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import t from 'tap';
import { startTestApiserver, startTestEtcdCluster, type TestEtcdMember } from '../../helpers/apiserver.ts';

const cluster = await startTestEtcdCluster(3, t);
const api = await startTestApiserver(t, { etcd: cluster });
const ca = readFileSync(api.caFile);

/** Keepalive time + timeout of the apiserver's etcd client (etcd-client.ts), and a margin. */
const DETECT_MS = 10_000 + 5000 + 2000;
/** After the detection: how long every request must succeed, and how fast. */
const STEADY_MS = 6000;
const PROMPT_MS = 1500;

interface Reply {
  readonly what: string;
  /** ms since the freeze when it was sent, and how long it took. */
  readonly at: number;
  readonly ms: number;
  readonly code: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function call(
  what: string,
  method: 'GET' | 'POST',
  p: string,
  since: number,
  body?: unknown,
): Promise<Reply> {
  const start = Date.now();
  const done = (code: number): Reply => ({ what, at: start - since, ms: Date.now() - start, code });
  return new Promise((resolve) => {
    const headers = { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' };
    const req = https.request(`${api.url}${p}`, { method, ca, headers, timeout: 12_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(done(res.statusCode ?? 0)));
    });
    req.on('error', () => resolve(done(-1)));
    req.on('timeout', () => req.destroy());
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const CMS = '/api/v1/namespaces/default/configmaps';
const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: {} });
const get = (since = Date.now()) => call('GET', 'GET', `${CMS}/probe`, since);

/** A metric of the member (its /metrics), summed over the lines that start with `prefix` and contain every `has`. */
async function metric(m: TestEtcdMember, prefix: string, ...has: string[]): Promise<number> {
  const text = await (await fetch(`${m.endpoint}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(prefix) && has.every((h) => l.includes(h)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}
/** KV Range calls the member answered OK (a GET of a ConfigMap and the /readyz etcd check are one each). */
const ranges = (m: TestEtcdMember) =>
  metric(m, 'grpc_server_handled_total{', 'grpc_method="Range"', 'grpc_code="OK"');

/** How many of `n` sequential GETs each member answered (by its Range count). */
async function spread(n: number, members: readonly TestEtcdMember[]): Promise<number[]> {
  const before = await Promise.all(members.map(ranges));
  for (let i = 0; i < n; i++) {
    const r = await get();
    if (r.code !== 200) throw new Error(`GET ${CMS}/probe: ${r.code}`);
  }
  const after = await Promise.all(members.map(ranges));
  return after.map((a, i) => a - before[i]!);
}

t.test('a frozen member is skipped after the keepalive, used again after SIGCONT', async (t) => {
  t.equal((await call('POST', 'POST', CMS, Date.now(), configMap('probe'))).code, 201, 'ConfigMap created');
  const baseline = await spread(30, cluster.members);
  t.ok(
    baseline.every((d) => d >= 5),
    `30 GETs reach every member (round robin): ${baseline}`,
  );

  // A follower: freezing the leader would also stall writes until the others elect a new one.
  const leader = await Promise.all(cluster.members.map((m) => metric(m, 'etcd_server_is_leader ')));
  const frozen = cluster.members[leader.indexOf(0)]!;
  const others = cluster.members.filter((m) => m !== frozen);
  const pid = frozen.proc.pid!;
  process.kill(pid, 'SIGSTOP');
  t.teardown(() => {
    if (frozen.proc.exitCode === null && frozen.proc.signalCode === null) process.kill(pid, 'SIGCONT');
  });
  const since = Date.now();

  // GET every 100 ms, /readyz every 200 ms, POST every 500 ms, not waiting for the replies.
  const sent: Promise<Reply>[] = [];
  for (let i = 0; Date.now() - since < DETECT_MS + STEADY_MS; i++) {
    sent.push(get(since));
    if (i % 2 === 0) sent.push(call('readyz', 'GET', '/readyz', since));
    if (i % 5 === 0) sent.push(call('POST', 'POST', CMS, since, configMap(`cm-${i}`)));
    await sleep(100);
  }
  const replies = await Promise.all(sent);
  const ok = (r: Reply) => (r.code === 200 || r.code === 201) && r.ms < PROMPT_MS;
  const felt = replies.filter((r) => r.at < DETECT_MS && !ok(r));
  const detectedAt = Math.max(...felt.map((r) => r.at + r.ms));
  t.ok(
    felt.length > 0,
    `before the keepalive detection, calls to the frozen member hang or fail (${felt.length})`,
  );
  t.comment(`the last slow or failed reply ended ${detectedAt} ms after the freeze`);
  const steady = replies.filter((r) => r.at >= DETECT_MS);
  const bad = steady.filter((r) => !ok(r));
  t.ok(steady.length >= 80, `${steady.length} requests in the ${STEADY_MS} ms after the detection`);
  t.same(
    bad.map((r) => `${r.what} at +${r.at} ms: ${r.code} in ${r.ms} ms`),
    [],
    `after ${DETECT_MS} ms every GET, POST and /readyz succeeds in < ${PROMPT_MS} ms`,
  );
  t.ok(
    ['GET', 'POST', 'readyz'].every((w) => steady.some((r) => r.what === w)),
    'GETs, POSTs and /readyz',
  );

  process.kill(pid, 'SIGCONT');
  const resumed = Date.now();
  // Requests left in its socket buffers are answered at once; then count only new ones.
  await sleep(1000);
  let used = [0, 0, 0];
  while (Date.now() - resumed < 8000) {
    used = await spread(15, [frozen, ...others]);
    if (used[0]! >= 3) break;
  }
  t.ok(used[0]! >= 3, `${Date.now() - resumed} ms after SIGCONT, 15 GETs reach it again: ${used}`);
});
