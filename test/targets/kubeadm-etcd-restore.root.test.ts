/**
 * The kubeadm etcd-restore scripts against a real etcd (Debian 3.4) with kubeadm's TLS layout
 * (client-cert auth, healthcheck-client), in a private network, PID and mount namespace so its
 * 127.0.0.1:2379 and `pgrep -x etcd` are this test's alone: snapshot, wipe (refused while etcd
 * runs), restore, restore again (the replay after a killed harness: success), a foreign data dir
 * (refused, or kept as the heal does), then etcd starts on the restored data with the key written
 * before the snapshot and without the one written after. A root file (test/helpers/root.ts), not
 * *.etcd.test.ts: its etcd lives in its own network namespace, so it shares no port with any other test.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { KubeadmProfile } from '../../src/targets/kubeadm-profile.ts';
import type { Action } from '../../src/targets/types.ts';
import { requireRoot } from '../helpers/root.ts';

requireRoot('test/targets/kubeadm-etcd-restore.root.test.ts', [
  'unshare',
  'ip',
  'etcd',
  'etcdctl',
  'openssl',
]);

t.test('snapshot, wipe, restore (twice), foreign data, restart on a real etcd 3.4 with TLS', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-kubeadm-etcd-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const pki = path.join(root, 'etc/kubernetes/pki/etcd');
  const data = path.join(root, 'var/lib/etcd');
  fs.mkdirSync(pki, { recursive: true });
  fs.mkdirSync(data, { recursive: true });
  const ssl = (args: string) => {
    const r = spawnSync('sh', ['-c', `cd ${pki} && ${args}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  ssl(
    'openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=etcd-ca 2>/dev/null',
  );
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth'],
    ['healthcheck-client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    fs.writeFileSync(path.join(pki, `${name}.ext`), `${ext}\n`);
    ssl(
      `openssl req -newkey rsa:2048 -nodes -keyout ${name}.key -out ${name}.csr -subj /CN=${name} 2>/dev/null && openssl x509 -req -in ${name}.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out ${name}.crt -days 1 -extfile ${name}.ext 2>/dev/null`,
    );
  }
  const profile = new KubeadmProfile({
    hosts: new Map([['cp1', { etcd: { dataDir: data, clientPort: 2379, peerPort: 2380 } }]]),
    etcdMembers: [{ name: 'cp1', peerUrl: 'http://127.0.0.1:2380' }],
  });
  const step = (name: string, a: Action) => {
    const file = path.join(root, `${name}.sh`);
    fs.writeFileSync(file, profile.script(a).replaceAll('/etc/kubernetes', `${root}/etc/kubernetes`));
    return `echo "== ${name}"; sh ${file}; echo "rc=$?"`;
  };
  const tls = `--cacert=${pki}/ca.crt --cert=${pki}/healthcheck-client.crt --key=${pki}/healthcheck-client.key --endpoints=https://127.0.0.1:2379`;
  const startEtcd = (state: 'new' | 'existing') =>
    [
      `etcd --name cp1 --data-dir ${data} --listen-client-urls https://127.0.0.1:2379 --advertise-client-urls https://127.0.0.1:2379`,
      '--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380',
      `--initial-cluster cp1=http://127.0.0.1:2380 --initial-cluster-state ${state}`,
      `--cert-file ${pki}/server.crt --key-file ${pki}/server.key --trusted-ca-file ${pki}/ca.crt --client-cert-auth`,
      `> ${root}/etcd-${state}.log 2>&1 & e=$!`,
      `i=0; until etcdctl ${tls} endpoint health >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || { echo etcd did not start; cat ${root}/etcd-${state}.log; exit 1; }; sleep 0.1; done`,
    ].join(' ');
  const restore = (token: string, foreignData?: 'keep') =>
    ({
      kind: 'restore-etcd',
      host: 'cp1',
      member: 'cp1',
      token,
      ...(foreignData ? { foreignData } : {}),
    }) as const;
  const script = [
    'ip link set lo up',
    'export ETCDCTL_API=3',
    startEtcd('new'),
    `etcdctl ${tls} put before-snapshot 1 >/dev/null`,
    step('snapshot', { kind: 'etcd-snapshot', host: 'cp1' }),
    `etcdctl ${tls} put after-snapshot 1 >/dev/null`,
    step('wipe-running', { kind: 'wipe-etcd-data', host: 'cp1' }),
    'kill $e; wait $e',
    step('wipe', { kind: 'wipe-etcd-data', host: 'cp1' }),
    step('wipe-again', { kind: 'wipe-etcd-data', host: 'cp1' }),
    step('state-wiped', { kind: 'etcd-data-state', host: 'cp1' }),
    step('restore', restore('drill-1')),
    step('restore-replay', restore('drill-1')),
    step('restore-other-token', restore('drill-2')),
    step('restore-other-token-heal', restore('drill-2', 'keep')),
    startEtcd('existing'),
    `echo "before=$(etcdctl ${tls} get before-snapshot --print-value-only)"`,
    `echo "after=$(etcdctl ${tls} get after-snapshot --print-value-only)"`,
    'kill $e; wait $e',
  ].join('\n');
  fs.writeFileSync(path.join(root, 'test.sh'), script);
  const r = spawnSync('unshare', ['-n', '-m', '-p', '-f', '--mount-proc', 'sh', path.join(root, 'test.sh')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const out = r.stdout;
  const section = (name: string) => out.split(`== ${name}\n`)[1]?.split('\n== ')[0] ?? '';
  t.match(
    section('snapshot'),
    /\{"hash":\d+,"revision":\d+,"totalKey":\d+,"totalSize":\d+\}\nrc=0/,
    r.stderr,
  );
  t.match(section('wipe-running'), /rc=4/, 'refuses while etcd runs');
  t.match(r.stderr, /refusing to destroy the data of a running etcd on cp1/);
  t.match(section('wipe'), `${data}\nrc=0`);
  t.match(section('wipe-again'), /rc=0/, 'wipe is idempotent');
  t.match(section('state-wiped'), /rc=1/, 'no member data');
  t.match(section('restore'), `${data}\nrc=0`, 'restored with etcdctl 3.4 (the member is 3.4)');
  t.match(section('restore-replay'), /rc=0/, 'the replay finds its own restore');
  t.match(r.stderr, /member cp1 already restored by this drill \(token drill-1\)/);
  t.match(section('restore-other-token'), /rc=4/, 'data from another restore is foreign: refused');
  t.match(section('restore-other-token-heal'), /rc=0/, 'the heal keeps foreign data');
  t.match(r.stderr, /not from this drill .*kept, not overwritten/);
  t.match(out, /before=1\nafter=\n/, 'etcd runs on the snapshot: the later write is gone');
  t.equal(
    fs.readFileSync(path.join(data, 'hadrill-restored'), 'utf8'),
    'drill-1 cp1\n',
    'marker of the restore',
  );
});
