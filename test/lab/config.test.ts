import t from 'tap';
import {
  clusterRoles,
  etcdHosts,
  etcdTopology,
  hostByName,
  hostsByRole,
  labConfig,
  nodeHosts,
  PRESET_TIMINGS,
  vrrpPair,
} from '../../src/lab/config.ts';
import { haTimingsFromLab } from '../../src/lab/timings.ts';

t.test('address plan follows the brief', async (t) => {
  const cfg = labConfig({ stateDir: '/tmp/x' });
  t.equal(cfg.preset, 'seeds');
  t.equal(cfg.vip, '198.18.0.10');
  t.equal(cfg.hostIp, '198.18.0.1');
  t.same(
    hostsByRole(cfg, 'control-plane').map((h) => h.ip),
    ['198.18.0.11', '198.18.0.12', '198.18.0.13'],
  );
  t.same(
    hostsByRole(cfg, 'lb').map((h) => h.ip),
    ['198.18.0.21', '198.18.0.22'],
  );
  t.same(
    hostsByRole(cfg, 'worker').map((h) => h.ip),
    ['198.18.0.31', '198.18.0.32'],
  );
  for (const h of cfg.hosts) {
    t.ok(h.netns.startsWith('hadr-'), `${h.name} namespace carries the prefix`);
    t.ok(h.veth.length <= 15, `${h.veth} fits IFNAMSIZ`);
    t.match(h.ip, /^198\.18\.0\.\d+$/, 'inside the benchmarking range');
  }
  t.equal(labConfig({ workers: 3 }).hosts.filter((h) => h.role === 'worker').length, 3);
  // Five stacked members: cp4 and cp5 next in the control planes' range, nothing else moves.
  const five = labConfig({ etcdMembers: 5 });
  t.same(
    five.hosts.filter((h) => h.role === 'control-plane').map((h) => `${h.name}=${h.ip}`),
    ['cp1=198.18.0.11', 'cp2=198.18.0.12', 'cp3=198.18.0.13', 'cp4=198.18.0.14', 'cp5=198.18.0.15'],
  );
  t.same(
    five.hosts.filter((h) => h.role !== 'control-plane').map((h) => h.ip),
    labConfig()
      .hosts.filter((h) => h.role !== 'control-plane')
      .map((h) => h.ip),
  );
  t.equal(labConfig().hosts.filter((h) => h.role === 'control-plane').length, 3, 'three by default');
  // External etcd: three control planes and the members on e1..eN at .41+, nothing else moves.
  const ext = labConfig({ etcd: 'external' });
  t.same(
    ext.hosts.filter((h) => h.role === 'control-plane' || h.role === 'etcd').map((h) => `${h.name}=${h.ip}`),
    [
      'cp1=198.18.0.11',
      'cp2=198.18.0.12',
      'cp3=198.18.0.13',
      'e1=198.18.0.41',
      'e2=198.18.0.42',
      'e3=198.18.0.43',
    ],
  );
  t.same(
    etcdHosts(ext).map((h) => h.name),
    ['e1', 'e2', 'e3'],
  );
  t.same(
    etcdHosts(labConfig()).map((h) => h.name),
    ['cp1', 'cp2', 'cp3'],
    'stacked: the control planes',
  );
  t.equal(etcdTopology(ext), 'external');
  t.equal(etcdTopology(labConfig()), 'stacked');
  t.same(
    ext.hosts.map((h) => `${h.name}:${clusterRoles(ext, h).join('+')}`),
    [
      'cp1:control-plane',
      'cp2:control-plane',
      'cp3:control-plane',
      'e1:etcd',
      'e2:etcd',
      'e3:etcd',
      'lb1:lb',
      'lb2:lb',
      'w1:worker',
      'w2:worker',
      'mon1:',
    ],
  );
  t.same(
    clusterRoles(labConfig(), hostByName(labConfig(), 'cp1')),
    ['control-plane', 'etcd'],
    'a stacked control plane is an etcd host',
  );
  t.same(
    nodeHosts(ext).map((h) => h.name),
    ['cp1', 'cp2', 'cp3', 'w1', 'w2'],
    'etcd hosts are not Nodes',
  );
  t.same(
    etcdHosts(labConfig({ etcd: 'external', etcdMembers: 5 })).map((h) => h.ip),
    ['198.18.0.41', '198.18.0.42', '198.18.0.43', '198.18.0.44', '198.18.0.45'],
  );
  // One LB: lb1 alone, no VRRP pair (it holds the VIP itself); two by default.
  const one = labConfig({ lbs: 1 });
  t.same(
    one.hosts.filter((h) => h.role === 'lb').map((h) => `${h.name}=${h.ip}`),
    ['lb1=198.18.0.21'],
  );
  t.equal(vrrpPair(one), false);
  t.equal(vrrpPair(labConfig()), true, 'the guide pair by default');
  t.same(
    Object.keys(haTimingsFromLab(one.timings, { vrrp: false })).filter((k) =>
      ['advertIntS', 'priority', 'vrrpVersion'].includes(k),
    ),
    [],
    'no VRRP inputs for the windows without keepalived',
  );
  t.equal(haTimingsFromLab(labConfig().timings).advertIntS, labConfig().timings.keepalived.advertIntS);
  t.equal(hostByName(cfg, 'lb2').ip, '198.18.0.22');
});

t.test('seeds preset carries the source articles values, fast is shorter', async (t) => {
  const s = PRESET_TIMINGS.seeds;
  t.same(s.etcd, { heartbeatMs: 250, electionMs: 2500 });
  t.equal(s.nodeLifecycle.nodeMonitorGracePeriodS, 40);
  t.same(s.leaderElection, { leaseDurationS: 15, renewDeadlineS: 10, retryPeriodS: 2 });
  t.equal(s.haproxy.checkTimeoutMs, 3000);
  t.equal(s.haproxy.fall, 2);
  t.same(
    s.keepalived,
    { advertIntS: 1, checkIntervalS: 3, checkFall: 10, checkRise: 2 },
    'keepalived: the kubeadm HA guide vrrp_script',
  );
  const f = PRESET_TIMINGS.fast;
  t.same(f.etcd, { heartbeatMs: 100, electionMs: 1000 });
  for (const p of [s, f]) {
    const le = p.leaderElection;
    t.ok(
      le.leaseDurationS > le.renewDeadlineS && le.renewDeadlineS > le.retryPeriodS * 1.2,
      'client-go invariants',
    );
    t.ok(p.etcd.electionMs >= 5 * p.etcd.heartbeatMs, 'etcd election >= 5 heartbeats');
  }
});

t.test('bad options get errors that say what to fix', async (t) => {
  t.throws(() => labConfig({ workers: 0 }), /--workers must be a whole number from 1 to 3/);
  t.throws(
    () => labConfig({ etcdMembers: 4 }),
    /--etcd-members must be 3 or 5 \(an odd number of etcd members; got 4\)/,
  );
  t.throws(() => labConfig({ etcd: 'remote' as never }), /--etcd must be stacked or external \(got remote\)/);
  t.throws(() => labConfig({ etcdMembers: 1 }), /--etcd-members must be 3 or 5/);
  t.throws(() => labConfig({ lbs: 3 }), /--lbs must be 1 \(haproxy alone, a single point of failure\) or 2/);
  t.throws(() => labConfig({ lbs: 0 }), /--lbs must be 1/);
  t.throws(() => labConfig({ workers: 4 }), /--workers/);
  t.throws(() => labConfig({ preset: 'slow' as never }), /unknown lab preset 'slow': use one of seeds, fast/);
  t.throws(() => labConfig({ prefix: 'Bad-Prefix' }), /prefix/);
  t.throws(() => hostByName(labConfig(), 'cp9'), /no lab host 'cp9': hosts are cp1/);
});
