import t from 'tap';
import { parseFlags as parseApiserverFlags } from '../../src/kube/apiserver/flags.ts';
import { bundlePath } from '../../src/lab/bundle.ts';
import { labConfig, PRESET_TIMINGS } from '../../src/lab/config.ts';
import { apiserverSpec } from '../../src/lab/control-plane.ts';
import { etcdSpec } from '../../src/lab/etcd.ts';
import { haproxyConfig } from '../../src/lab/haproxy.ts';
import { keepalivedConfig } from '../../src/lab/keepalived.ts';
import { clusterHealth } from '../../src/probes/etcd-health.ts';

const cfg = labConfig({ stateDir: '/tmp/hadr-test-state' });
const [cp1] = cfg.hosts;
const lb1 = cfg.hosts.find((h) => h.name === 'lb1')!;
const lb2 = cfg.hosts.find((h) => h.name === 'lb2')!;

t.test('etcd member flags: stacked, local loopback, timings from the preset', async (t) => {
  const argv = etcdSpec(cfg, cp1!).argv;
  t.ok(argv.includes('--heartbeat-interval=250'));
  t.ok(argv.includes('--election-timeout=2500'));
  t.ok(argv.includes('--listen-client-urls=http://198.18.0.11:2379,http://127.0.0.1:2379'));
  t.ok(
    argv.includes(
      '--initial-cluster=cp1=http://198.18.0.11:2380,cp2=http://198.18.0.12:2380,cp3=http://198.18.0.13:2380',
    ),
  );
  const fast = etcdSpec(labConfig({ preset: 'fast', stateDir: '/tmp/x' }), cp1!).argv;
  t.ok(fast.includes('--heartbeat-interval=100') && fast.includes('--election-timeout=1000'));
});

t.test('haproxy: TCP frontend, /readyz checks with the seeds parameters', async (t) => {
  const c = haproxyConfig(cfg, lb1);
  t.match(c, /mode tcp/);
  t.match(c, /bind \*:6443/);
  t.match(c, /http-check send meth GET uri \/readyz/);
  t.match(c, /timeout check 3000ms/);
  for (const ip of ['198.18.0.11', '198.18.0.12', '198.18.0.13']) {
    t.match(
      c,
      new RegExp(
        `server cp\\d ${ip.replaceAll('.', '\\.')}:6443 check check-ssl verify none inter 2000 fall 2 rise 2`,
      ),
    );
  }
});

t.test('keepalived: unicast VRRP to the peer only, lb1 preferred, tracks haproxy', async (t) => {
  const a = keepalivedConfig(cfg, lb1, '/x/chk.sh');
  const b = keepalivedConfig(cfg, lb2, '/x/chk.sh');
  t.match(a, /state MASTER/);
  t.match(b, /state BACKUP/);
  const prio = (s: string) => Number(/priority (\d+)/.exec(s)?.[1]);
  t.ok(prio(a) > prio(b), 'lb1 has the higher priority');
  t.match(a, /unicast_src_ip 198\.18\.0\.21\n {4}unicast_peer \{\n {8}198\.18\.0\.22\n/);
  t.match(a, /198\.18\.0\.10\/24 dev eth0/);
  t.match(a, /track_script \{\n {8}chk_haproxy/);
  t.notMatch(a, /224\.0\.0\.18/, 'no multicast');
});

t.test('clusterHealth: one agreed leader is healthy; anything else is named', async (t) => {
  const ok = clusterHealth([
    { host: 'cp1', ok: true, memberId: 'a', leaderId: 'a' },
    { host: 'cp2', ok: true, memberId: 'b', leaderId: 'a' },
    { host: 'cp3', ok: true, memberId: 'c', leaderId: 'a' },
  ]);
  t.equal(ok.healthy, true);
  t.equal(ok.leader, 'cp1');
  const partitioned = clusterHealth([
    { host: 'cp1', ok: true, memberId: 'a', leaderId: '0' },
    { host: 'cp2', ok: true, memberId: 'b', leaderId: 'b' },
    { host: 'cp3', ok: false, error: 'deadline exceeded' },
  ]);
  t.equal(partitioned.healthy, false);
  t.match(partitioned.problems.join('\n'), /cp1 has no leader/);
  t.match(partitioned.problems.join('\n'), /cp3 does not answer: deadline exceeded/);
  const split = clusterHealth([
    { host: 'cp1', ok: true, memberId: 'a', leaderId: 'a' },
    { host: 'cp2', ok: true, memberId: 'b', leaderId: 'b' },
  ]);
  t.match(split.problems.join('\n'), /disagree/);
});

t.test('kube-apiserver flags rendered from the lab config parse back to the same values', async (t) => {
  const pair = (n: string) => ({ cert: `/x/${n}.crt`, key: `/x/${n}.key` });
  const pki = { dir: '/x', ca: pair('ca'), servers: { cp1: pair('apiserver-cp1') }, admin: pair('admin') };
  for (const preset of ['seeds', 'fast'] as const) {
    const c = labConfig({ preset, stateDir: '/tmp/hadr-test-state' });
    const timings = PRESET_TIMINGS[preset].apiserver;
    const argv = apiserverSpec(c, pki, c.hosts[0]!).argv;
    const f = parseApiserverFlags(argv.slice(argv.indexOf(bundlePath('kube-apiserver')) + 1))!;
    t.equal(f.masterLeaseTtlMs, timings.masterLeaseTtlS * 1000, `${preset}: master lease TTL`);
    t.equal(f.endpointReconcilerIntervalMs, timings.endpointReconcileIntervalS * 1000);
    t.equal(f.identityLeaseDurationSeconds, timings.identityLeaseDurationS);
    t.equal(f.identityLeaseRenewIntervalSeconds, timings.identityLeaseRenewIntervalS);
    t.equal(f.shutdownDelayMs, timings.shutdownDelayS * 1000);
    t.equal(f.defaultNotReadyTolerationSeconds, timings.defaultNotReadyTolerationS);
    t.equal(f.advertiseAddress, '198.18.0.11');
    t.equal(f.securePort, 6443);
    t.equal(f.identityHostname, 'cp1');
    t.same(f.etcdServers, ['http://127.0.0.1:2379'], 'the local member only, as kubeadm does');
  }
});
