/**
 * Real lab, part 1: three etcd members with one leader, the VIP on one LB, replication,
 * an iptables partition of the leader, and a link-down of the VIP holder. As root, for real.
 */
import fs from 'node:fs';
import t from 'tap';
import { sh } from '../../src/executors/types.ts';
import { hostByName, hostsByRole } from '../../src/lab/config.ts';
import { EtcdMembers } from '../../src/lab/etcd.ts';
import { hostPath } from '../../src/lab/host.ts';
import { tcpConnect } from '../../src/lab/lab.ts';
import { addressHolders, setHostLink } from '../../src/lab/network.ts';
import { labStatus } from '../../src/lab/status.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { clusterHealth } from '../../src/probes/etcd-health.ts';
import {
  ETCD_PARTITION,
  healPartitionScript,
  partitionScript,
  showPartitionScript,
} from '../../src/targets/partition.ts';
import { sleep, waitFor } from '../../src/util/time.ts';
import { runCli } from '../helpers/cli.ts';
import { labForTest } from '../helpers/lab.ts';

const cfg = await labForTest(t, 'fast');
const cps = hostsByRole(cfg, 'control-plane');
const lbs = hostsByRole(cfg, 'lb');
const etcd = new EtcdMembers(cfg, 1000);
t.teardown(() => etcd.close());
const ex = new LabTarget(cfg).executor;
const t0 = cfg.timings;

t.test('three etcd members, exactly one leader, VIP on exactly one LB', async (t) => {
  const health = clusterHealth(await etcd.statusAll());
  t.equal(health.healthy, true, health.problems.join('; '));
  t.equal(health.members.length, 3);
  t.ok(health.leader && cps.some((c) => c.name === health.leader));
  t.same(await addressHolders(cfg.vip, lbs), ['lb1'], 'lb1 is preferred');
  const status = await labStatus(cfg);
  t.same(status.problems, []);
  t.equal(status.etcdLeader, health.leader);
});

t.test('executor runs inside the host namespace and returns exit code, stdout and stderr', async (t) => {
  const r = await sh(ex, 'cp2', 'ip -o -4 addr show dev eth0; echo oops >&2; exit 7');
  t.equal(r.code, 7);
  t.match(r.stdout, /198\.18\.0\.12\/24/);
  t.equal(r.stderr.trim(), 'oops');
  const slow = await ex.exec('w1', ['sleep', '3'], { timeoutMs: 200 });
  t.equal(slow.timedOut, true);
  t.throws(() => ex.prefixOf('nope'), /unknown lab host 'nope'/);
});

t.test(
  'each host is a node of its own: hostname, /etc/kubernetes, /var/lib/etcd, /run/hadrill',
  async (t) => {
    const probe =
      'hostname; cat /etc/kubernetes/hadrill-host-test; ls /var/lib/etcd /var/lib/kubelet /run/hadrill >/dev/null';
    for (const h of ['cp1', 'cp2']) {
      const r = await sh(ex, h, `echo ${h} > /etc/kubernetes/hadrill-host-test`);
      t.equal(r.code, 0, r.stderr);
    }
    for (const h of ['cp1', 'cp2']) {
      const r = await sh(ex, h, probe);
      t.equal(r.code, 0, r.stderr);
      t.same(r.stdout.trim().split('\n'), [h, h], `${h} sees its own hostname and /etc/kubernetes`);
      await sh(ex, h, 'rm -f /etc/kubernetes/hadrill-host-test');
    }
    t.notOk(
      fs.existsSync('/etc/kubernetes/hadrill-host-test'),
      "nothing written to the machine's /etc/kubernetes",
    );
    t.ok(
      fs.existsSync(hostPath(cfg.stateDir, 'cp1', '/etc/kubernetes')),
      'the host path is under the lab state dir',
    );
  },
);

t.test('a write through one member is read from the others', async (t) => {
  const key = `/hadrill-test/${Date.now()}`;
  await etcd.client('cp1').put(key).value('written-through-cp1');
  for (const m of ['cp2', 'cp3']) t.equal(await etcd.client(m).get(key).string(), 'written-through-cp1', m);
});

t.test('partitioning the leader elects a new one; healing rejoins and catches up', async (t) => {
  const before = clusterHealth(await etcd.statusAll());
  const victim = before.leader!;
  const part = await sh(ex, victim, partitionScript(ETCD_PARTITION));
  t.equal(part.code, 0, part.stderr);
  t.teardown(() => sh(ex, victim, healPartitionScript()).then(() => undefined));
  t.equal((await sh(ex, victim, showPartitionScript())).code, 0, 'rule is in place');
  const others = cps.filter((c) => c.name !== victim).map((c) => c.name);
  const started = Date.now();
  const newLeader = await waitFor(
    async () => {
      const s = await Promise.all(others.map((o) => etcd.status(o)));
      const h = clusterHealth(s);
      return h.healthy && h.leader ? h.leader : undefined;
    },
    { timeoutMs: 10 * t0.etcd.electionMs, intervalMs: 50, what: 'a new etcd leader' },
  );
  const electedMs = Date.now() - started;
  t.not(newLeader, victim, `new leader ${newLeader} elected in ${electedMs} ms`);
  t.ok(electedMs <= 4 * t0.etcd.electionMs, `election within 4 x election timeout (${electedMs} ms)`);
  // The cut member, reached over its loopback (as its stacked apiserver does), has no leader.
  const noLeader = await waitFor(
    async () => {
      const r = await sh(
        ex,
        victim,
        // With kubeadm's healthcheck-client certificate: the member requires client certificates.
        'ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key endpoint status -w json --command-timeout=1s',
      );
      // etcd omits a zero leader from the JSON and lists 'etcdserver: no leader' in errors.
      const j = JSON.parse(r.stdout || '[]') as { Status: { leader?: number; errors?: string[] } }[];
      const st = j[0]?.Status;
      return st && !st.leader && (st.errors ?? []).some((e) => /no leader/.test(e)) ? true : undefined;
    },
    {
      timeoutMs: 10 * t0.etcd.electionMs,
      intervalMs: 200,
      what: 'the partitioned member to lose its leader',
    },
  );
  t.ok(noLeader, 'partitioned member reports no leader');
  // Writes go on in the majority while the member is cut.
  for (let i = 0; i < 20; i++)
    await etcd.client(others[0]!).put(`/hadrill-test/during/${i}`).value(String(i));
  t.equal((await sh(ex, victim, healPartitionScript())).code, 0, 'heal succeeds');
  t.equal((await sh(ex, victim, healPartitionScript())).code, 0, 'heal is idempotent');
  t.not((await sh(ex, victim, showPartitionScript())).code, 0, 'rule is gone');
  await waitFor(
    async () => {
      const all = await etcd.statusAll();
      const h = clusterHealth(all);
      const idx = all.map((s) => s.raftIndex ?? -1);
      return h.healthy && Math.min(...idx) === Math.max(...idx) ? true : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 100, what: 'the healed member to rejoin and catch up' },
  );
  t.equal(
    await etcd.client(victim).get('/hadrill-test/during/19').string(),
    '19',
    'caught-up member serves new data',
  );
});

t.test('link down on the VIP holder moves the VIP to the other LB', async (t) => {
  const [holder] = await addressHolders(cfg.vip, lbs);
  t.ok(holder, 'someone holds the VIP');
  const h = hostByName(cfg, holder!);
  const started = performance.now();
  await setHostLink(h, 'down');
  t.teardown(() => setHostLink(h, 'up'));
  await waitFor(
    async () => {
      await tcpConnect(cfg.vip, cfg.apiPort, 200);
      return true;
    },
    { timeoutMs: 15_000, intervalMs: 20, what: 'a TCP connect through the VIP' },
  );
  const takeoverMs = performance.now() - started;
  const newHolders = await addressHolders(cfg.vip, lbs);
  t.same(
    newHolders,
    lbs.filter((l) => l.name !== holder).map((l) => l.name),
    'VIP moved to the other LB',
  );
  // VRRP: a backup declares the master down after 3 x advert_int + skew (< 4 x advert_int).
  const limit = 4 * t0.keepalived.advertIntS * 1000 + 1000;
  t.ok(takeoverMs < limit, `VIP takeover ${Math.round(takeoverMs)} ms < ${limit} ms`);
  t.comment(`vip_takeover_ms=${Math.round(takeoverMs)}`);
  await setHostLink(h, 'up');
  await waitFor(async () => ((await addressHolders(cfg.vip, lbs)).length === 1 ? true : undefined), {
    timeoutMs: 10_000,
    what: 'one VIP holder after heal',
  });
  await sleep(100);
});

t.test(
  'keepalived tracks its haproxy: killing it moves the VIP; starting it again brings it back',
  async (t) => {
    const cli = (...a: string[]) => runCli('lab', a, { timeoutMs: 60_000 });
    await waitFor(async () => ((await addressHolders(cfg.vip, lbs))[0] === 'lb1' ? true : undefined), {
      timeoutMs: 15_000,
      what: 'lb1 to hold the VIP (preempt after the previous test)',
    });
    const kill = await cli('stop', 'lb1', 'haproxy', '--signal', 'KILL');
    t.equal(kill.code, 0, kill.stderr);
    t.teardown(() => cli('start', 'lb1', 'haproxy').then(() => undefined));
    const moved = await waitFor(
      async () => ((await addressHolders(cfg.vip, lbs))[0] === 'lb2' ? true : undefined),
      {
        timeoutMs: 10_000,
        what: 'the VIP to move to lb2 after haproxy on lb1 died',
      },
    );
    t.ok(moved, 'VIP moved to lb2');
    const start = await cli('start', 'lb1', 'haproxy');
    t.equal(start.code, 0, start.stderr);
    t.match(start.stdout, /lb1\/haproxy running, pid \d+/);
    await waitFor(async () => ((await addressHolders(cfg.vip, lbs))[0] === 'lb1' ? true : undefined), {
      timeoutMs: 15_000,
      what: 'lb1 to take the VIP back',
    });
    t.pass('lb1 holds the VIP again');
    const bad = await cli('stop', 'lb1', 'etcd');
    t.equal(bad.code, 2);
    t.match(bad.stderr, /no component 'etcd' on lab host 'lb1': it runs haproxy, keepalived/);
  },
);
