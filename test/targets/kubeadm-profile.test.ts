/**
 * The kubeadm host profile: every Action kind gets a command; static pods move their manifest to
 * a directory outside /etc/kubernetes/manifests; kubelet/haproxy/keepalived via systemctl;
 * partitions are the shared iptables scripts; overrides replace commands with quoted values.
 * The scripts are checked with `sh -n` (a real parser) and the manifest moves run for real in a
 * scratch root with fake `crictl`/`systemctl` on PATH.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
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
  t.match(kill, `mv ${MANIFEST_DIR}/kube-apiserver.yaml ${PARKED_DIR}/kube-apiserver.yaml`);
  t.match(kill, /crictl stop --timeout 0/);
  t.notMatch(PARKED_DIR, new RegExp(`^${MANIFEST_DIR}`), 'parked outside the manifest dir');
  t.match(profile.script(ALL[1]!), /^systemctl stop kubelet$/);
  t.equal(profile.script(ALL[6]!), partitionScript(ETCD_PARTITION));
  t.match(profile.script(ALL[9]!), /ip link set dev ens3 down; sleep 300; ip link set dev ens3 up/);
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

t.test('static pod stop/start/running for real on a scratch root with fake crictl', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-kubeadm-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin);
  // Fake crictl: `run-<name>` marks a running container; like the kubelet, `ps` first starts the
  // container of every manifest in the manifest dir; `stop` removes the mark.
  const m = `${root}${MANIFEST_DIR}`;
  fs.writeFileSync(
    path.join(bin, 'crictl'),
    [
      '#!/bin/sh',
      'cmd=$1; shift',
      'if [ "$cmd" = ps ]; then',
      `  for f in ${m}/*.yaml; do [ -f "$f" ] && touch "${root}/run-$(basename "$f" .yaml)"; done`,
      '  while [ $# -gt 0 ]; do [ "$1" = --name ] && n=$(echo "$2" | tr -d "^$"); shift; done',
      `  [ -f "${root}/run-$n" ] && echo "c-$n"`,
      'elif [ "$cmd" = stop ]; then',
      `  echo "stop $*" >> ${root}/stopped; for c in "$@"; do rm -f "${root}/run-\${c#c-}"; done`,
      'fi',
      'exit 0',
    ].join('\n'),
    { mode: 0o755 },
  );
  fs.mkdirSync(path.join(root, MANIFEST_DIR), { recursive: true });
  fs.writeFileSync(path.join(root, MANIFEST_DIR, 'kube-apiserver.yaml'), 'kind: Pod\n');
  const run = (a: Action) => {
    const script = profile.script(a).replaceAll('/etc/kubernetes', `${root}/etc/kubernetes`);
    return spawnSync('sh', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
  };
  const running = { kind: 'running', host: 'cp1', component: 'kube-apiserver' } as const;
  t.equal(run(running).stdout.trim(), 'c-kube-apiserver');
  const stop = run({ kind: 'stop', host: 'cp1', component: 'kube-apiserver', signal: 'KILL' });
  t.equal(stop.status, 0, stop.stderr);
  t.notOk(fs.existsSync(path.join(root, MANIFEST_DIR, 'kube-apiserver.yaml')), 'manifest out');
  t.ok(fs.existsSync(path.join(root, PARKED_DIR, 'kube-apiserver.yaml')), 'parked');
  t.match(fs.readFileSync(path.join(root, 'stopped'), 'utf8'), /stop --timeout 0 c-kube-apiserver/);
  t.equal(run(running).status, 3, 'not running');
  t.equal(
    run({ kind: 'stop', host: 'cp1', component: 'kube-apiserver', signal: 'KILL' }).status,
    0,
    'idempotent',
  );
  const start = run({ kind: 'start', host: 'cp1', component: 'kube-apiserver' });
  t.equal(start.status, 0, start.stderr);
  t.equal(start.stdout.trim(), 'c-kube-apiserver');
  t.ok(fs.existsSync(path.join(root, MANIFEST_DIR, 'kube-apiserver.yaml')), 'manifest back');
  t.equal(
    run({ kind: 'stop', host: 'cp1', component: 'etcd', signal: 'TERM' }).status,
    3,
    'no etcd manifest',
  );
});
