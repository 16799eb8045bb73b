/**
 * The kubeadm host profile: every Action kind gets a command (checked with `sh -n`, a real
 * parser); kubelet/haproxy/keepalived via systemctl; partitions with the host's own etcd ports;
 * overrides replace commands with quoted values. The scripts themselves run for real in
 * kubeadm-static-pod, kubeadm-etcd, kubeadm-link and partition tests.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { hostTimingOf } from '../../src/targets/host-timing.ts';
import { KubeadmProfile, MANIFEST_DIR, PARKED_DIR } from '../../src/targets/kubeadm-profile.ts';
import { ETCD_PARTITION, partitionScript } from '../../src/targets/partition.ts';
import type { Action } from '../../src/targets/types.ts';
import { UserError } from '../../src/util/errors.ts';

const profile = new KubeadmProfile({
  hosts: new Map([['cp1', { linkInterface: 'ens3', address: '10.0.0.11' }]]),
  etcdMembers: [
    { name: 'cp1', peerUrl: 'https://10.0.0.11:2380' },
    { name: 'cp2', peerUrl: 'https://10.0.0.12:2380' },
  ],
});

/** One of every Action kind (the switch in the profile is exhaustive; this list must be too). */
const ALL: Action[] = [
  { kind: 'stop', host: 'cp1', component: 'kube-apiserver', signal: 'KILL' },
  { kind: 'stop', host: 'cp1', component: 'kubelet', signal: 'TERM' },
  { kind: 'start', host: 'cp1', component: 'etcd' },
  { kind: 'start', host: 'cp1', component: 'haproxy' },
  { kind: 'running', host: 'cp1', component: 'kube-scheduler' },
  { kind: 'running', host: 'cp1', component: 'keepalived' },
  { kind: 'partition', host: 'cp1', spec: ETCD_PARTITION },
  { kind: 'heal-partition', host: 'cp1' },
  { kind: 'show-partition', host: 'cp1' },
  { kind: 'link-down', host: 'cp1' },
  { kind: 'link-up', host: 'cp1' },
  { kind: 'link-state', host: 'cp1' },
  { kind: 'etcd-snapshot', host: 'cp1' },
  { kind: 'read-etcd-snapshot', host: 'cp1' },
  { kind: 'write-etcd-snapshot', host: 'cp1' },
  { kind: 'etcd-data-state', host: 'cp1' },
  { kind: 'wipe-etcd-data', host: 'cp1' },
  { kind: 'restore-etcd', host: 'cp1', member: 'cp1', token: 'drill-1' },
];

t.test('every action is a valid sh script on the action host', async (t) => {
  for (const a of ALL) {
    const c = profile.command(a);
    t.equal(c.host, 'cp1');
    t.same(c.argv.slice(0, 2), ['sh', '-c']);
    const r = spawnSync('sh', ['-n', '-c', c.argv[2]!]);
    t.equal(r.status, 0, `${a.kind}: sh -n accepts it ${r.stderr}`);
  }
  const kill = profile.script(ALL[0]!);
  t.ok(
    kill.indexOf('kill -KILL $pids') <
      kill.indexOf(`mv -f ${MANIFEST_DIR}/kube-apiserver.yaml ${PARKED_DIR}/kube-apiserver.yaml`),
    'signal first, then park',
  );
  t.notMatch(PARKED_DIR, new RegExp(`^${MANIFEST_DIR}`), 'parked outside the manifest dir');
  t.match(profile.script(ALL[1]!), /^systemctl stop kubelet \|\| exit\n/);
  t.equal(profile.script(ALL[6]!), partitionScript(ETCD_PARTITION));
  t.match(profile.script(ALL[9]!), /ip link set dev ens3 down; sleep 300; ip link set dev ens3 up/);
  t.match(
    profile.script({ kind: 'link-down', host: 'cp1', restoreAfterS: 42 }),
    /down; sleep 42; /,
    'the fault chooses the duration',
  );
  t.match(
    profile.script(ALL[17]!),
    /--initial-cluster cp1=https:\/\/10\.0\.0\.11:2380,cp2=https:\/\/10\.0\.0\.12:2380 .*--initial-advertise-peer-urls https:\/\/10\.0\.0\.11:2380 /,
  );
  t.throws(() => profile.script({ kind: 'restore-etcd', host: 'cp1', member: 'cp9', token: 'x' }), UserError);
});

t.test('overrides: kind:component first, then kind; values quoted; local runs on the harness', async (t) => {
  const p = new KubeadmProfile({
    overrides: {
      'stop:kube-apiserver': 'docker kill {host}-apiserver --signal {signal}',
      stop: 'pkill -{signal} {component}',
      'link-down': { run: 'virsh domif-setlink {host} vnet0 down', on: 'local' },
      start: 'echo {nope}',
    },
  });
  t.equal(p.name, 'kubeadm+overrides');
  const weird = "cp'1";
  t.same(p.command({ kind: 'stop', host: weird, component: 'kube-apiserver', signal: 'KILL' }), {
    host: weird,
    argv: ['sh', '-c', `docker kill 'cp'\\''1'-apiserver --signal KILL`],
  });
  t.same(
    p.command({ kind: 'stop', host: 'cp1', component: 'etcd', signal: 'TERM' }).argv[2],
    'pkill -TERM etcd',
  );
  t.same(p.command({ kind: 'link-down', host: 'w1' }), {
    host: 'local',
    argv: ['sh', '-c', 'virsh domif-setlink w1 vnet0 down'],
  });
  t.throws(
    () => p.command({ kind: 'start', host: 'cp1', component: 'etcd' }),
    /unknown placeholder \{nope\}/,
  );
  t.match(p.command({ kind: 'link-up', host: 'w1' }).argv[2], /ip link set dev eth0 up/, 'not overridden');
});

t.test('partition: the host etcd ports from its manifest replace the defaults', async (t) => {
  const p = new KubeadmProfile({
    hosts: new Map([['cp1', { etcd: { dataDir: '/data/etcd', clientPort: 12379, peerPort: 12380 } }]]),
  });
  const s = p.script({ kind: 'partition', host: 'cp1', spec: ETCD_PARTITION });
  t.match(s, /--dports 12379,12380 -j DROP/);
  t.match(s, /--sports 12380 -j DROP/);
  t.notMatch(s, /2379,2380/);
  const o = new KubeadmProfile({
    hosts: new Map([['cp1', { etcd: { dataDir: '/data/etcd', clientPort: 12379, peerPort: 12380 } }]]),
    overrides: { partition: 'fw cut {dports} {sports}', 'link-down': 'vm-link off {host} {restoreAfterS}' },
  });
  t.equal(
    o.command({ kind: 'partition', host: 'cp1', spec: ETCD_PARTITION }).argv[2],
    'fw cut 12379,12380 12380',
    'overrides see them too',
  );
  t.equal(o.command({ kind: 'link-down', host: 'cp1', restoreAfterS: 90 }).argv[2], 'vm-link off cp1 90');
  t.match(
    p.script({ kind: 'partition', host: 'cp2', spec: ETCD_PARTITION }),
    /--dports 2379,2380 /,
    'no facts: defaults',
  );
  const snap = p.script({ kind: 'etcd-snapshot', host: 'cp1' });
  t.match(
    snap,
    /ep=https:\/\/127\.0\.0\.1:12379\n/,
    "no client URL in a manifest: loopback and the host's client port",
  );
  t.match(snap, /--endpoints="\$ep" .*snapshot save \/data\/etcd\/hadrill-snapshot\.db\.part/);
});

t.test('reachability: the ssh address and port, unless the link actions are overridden', async (t) => {
  const p = new KubeadmProfile({ hosts: new Map([['w1', { address: '10.0.0.31', port: 2222 }]]) });
  t.same(p.reachability('w1'), { address: '10.0.0.31', port: 2222 });
  t.equal(p.reachability('w2'), undefined, 'unknown host');
  const o = new KubeadmProfile({
    hosts: new Map([['w1', { address: '10.0.0.31', port: 22 }]]),
    overrides: { 'link-down': { run: 'ip link set x down', on: 'local' } },
  });
  t.equal(o.reachability('w1'), undefined, 'link downed from the harness: no outside wait');
});

t.test('graceful stop: systemctl stop, then how long the unit took from SIGTERM to inactive', async (t) => {
  // A stand-in systemctl (no systemd here): `stop` exits $STOP_RC, `show -p X --value` prints $X.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-systemctl-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(
    path.join(dir, 'systemctl'),
    `#!/bin/sh\ncase "$1" in stop) exit "\${STOP_RC:-0}";; show) eval "echo \\\${$3:-}";; esac\n`,
    { mode: 0o755 },
  );
  const script = profile.script({ kind: 'stop', host: 'cp1', component: 'haproxy', signal: 'TERM' });
  const run = (env: Record<string, string>) =>
    spawnSync('sh', ['-c', script], {
      encoding: 'utf8',
      env: { PATH: `${dir}:${process.env.PATH}`, ...env },
    });
  const stamps = { ActiveExitTimestampMonotonic: '5000000', InactiveEnterTimestampMonotonic: '5350999' };
  const ok = run(stamps);
  t.equal(ok.status, 0, ok.stderr);
  t.same(hostTimingOf(ok.stdout), { tailMs: 350 }, '350.999 ms from SIGTERM to inactive, rounded down');
  const failed = run({ ...stamps, STOP_RC: '5' });
  t.equal(failed.status, 5, "the stop's failure is the script's");
  t.equal(failed.stdout, '');
  for (const [what, env] of [
    ['never left active', { ActiveExitTimestampMonotonic: '0', InactiveEnterTimestampMonotonic: '0' }],
    ['stamps unreadable', {}],
    [
      'inactive before active ended',
      { ActiveExitTimestampMonotonic: '9', InactiveEnterTimestampMonotonic: '5' },
    ],
  ] as const) {
    const r = run(env);
    t.equal(r.status, 0, `${what}: the stop still succeeds`);
    t.equal(r.stdout, '', `${what}: no timing line`);
  }
});
