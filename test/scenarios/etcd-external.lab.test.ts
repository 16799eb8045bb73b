/**
 * External etcd (`lab up --etcd external`, fast preset): the members on e1..e3, run by standalone
 * kubelets from the HA etcd guide's static pods, every apiserver given all three. The topology as
 * the drills see it, then etcd-partition, whose mechanics differ most from stacked: a partitioned
 * member no longer takes an apiserver with it; what it costs instead is a finding. (Every other
 * scenario ran on this topology by hand, `npm run drill -- all`: see the README; the snapshot of a
 * member that listens on its own address only is tested in test/targets/kubeadm-etcd.test.ts.)
 */
// hadrill-test: other lab topology (npm test runs this file after the default-lab ones)
import t from 'tap';
import { etcdPartition } from '../../scenarios/etcd-partition.ts';
import { etcdElectionWindow } from '../../src/analysis/expected.ts';
import { etcdHosts, hostsByRole } from '../../src/lab/config.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { labForTest, OTHER_TOPOLOGY } from '../helpers/lab.ts';
import { detected, drill } from './drill.ts';

// External etcd; one LB as well (the suite's one other-topology lab: OTHER_TOPOLOGY).
const cfg = await labForTest(t, 'fast', 2, OTHER_TOPOLOGY);
const target = new LabTarget(cfg);
t.teardown(() => target.close());
const timings = await target.timings();

t.test('the members on e1..e3, not on the control planes', async (t) => {
  t.same(
    etcdHosts(cfg).map((h) => `${h.name}=${h.ip}`),
    ['e1=198.18.0.41', 'e2=198.18.0.42', 'e3=198.18.0.43'],
  );
  t.same(
    target.topology.etcd.map((m) => m.host),
    ['e1', 'e2', 'e3'],
  );
  t.same(
    target.topology.hosts.filter((h) => h.roles.includes('etcd')).map((h) => h.name),
    ['e1', 'e2', 'e3'],
    'a control plane is not an etcd host here',
  );
  t.notOk(
    target.topology.hosts.some((h) => h.name.startsWith('e') && h.nodeName),
    'the etcd hosts are not Nodes',
  );
  for (const h of hostsByRole(cfg, 'control-plane')) {
    const ps = await target.executor.exec(h.name, ['pgrep', '-x', 'etcd']);
    t.not(ps.code, 0, `no etcd on ${h.name}`);
    const api = await target.executor.exec(h.name, ['pgrep', '-a', '-x', 'kube-apiserver']);
    t.match(
      api.stdout,
      /--etcd-servers=https:\/\/198\.18\.0\.41:2379,https:\/\/198\.18\.0\.42:2379,https:\/\/198\.18\.0\.43:2379/,
      `${h.name}'s apiserver lists every member`,
    );
  }
  for (const e of etcdHosts(cfg)) {
    const kubelet = await target.executor.exec(e.name, ['pgrep', '-a', '-x', 'kubelet']);
    t.match(kubelet.stdout, /--config=\/etc\/systemd\/system\/kubelet\.service\.d\/kubelet\.conf/);
    t.notMatch(kubelet.stdout, /--kubeconfig/, `${e.name}: a standalone kubelet (no API)`);
    t.equal((await target.executor.exec(e.name, ['pgrep', '-x', 'etcd'])).code, 0, `etcd runs on ${e.name}`);
  }
});

t.test('etcd-partition of the leader: a new leader, no apiserver taken with it', async (t) => {
  const d = await drill(t, cfg, etcdPartition);
  const { outcome, m } = d;
  detected(t, d);
  const r = outcome.result;
  t.equal(r.fault.status, 'proven', 'DROP rules in place');
  const aim = r.fault.status === 'none' ? undefined : r.fault.target;
  t.match(aim?.host ?? '', /^e[123]$/, 'an etcd host, the leader');
  t.equal(aim?.ip, undefined, 'no stacked apiserver on it');
  t.ok(outcome.healed && outcome.verify?.ok, 'healed, steady state again');
  const election = etcdElectionWindow(timings)!;
  const e = m.etcd_leader_election_s?.value ?? Number.NaN;
  t.ok(
    e <= election.max + 1,
    `etcd_leader_election_s = ${e} s within the election window (${election.max} + 1 s)`,
  );
  t.equal(m.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
  t.equal(m.apiserver_unready_s?.value, null, 'no apiserver to turn unready');
  t.ok(
    r.findings.some((f) => f.id === 'external-etcd-partition'),
    'the finding says what the cut costs instead',
  );
  // Requests sent on the apiservers' connections to the cut member hang or fail until the lab
  // apiserver's etcd keepalive (10 s + 5 s) drops it; then the others carry them all.
  const outage = m.api_outage_s?.value ?? 99;
  t.ok(outage <= 15 + 2, `api_outage_s ${outage} s within the keepalive's 15 s (+ 2 s of probing)`);
  t.ok(m.etcd_catchup_s?.value !== null, 'the member caught up after the heal');
  t.ok(
    eventsOf(r.timeline, 'etcd.status').some((x) => x.member === aim?.member && x.error),
    'the cut member did not answer from outside while cut',
  );
});
