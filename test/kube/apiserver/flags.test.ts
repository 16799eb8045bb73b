/** kube-apiserver flags kubeadm writes: the etcd TLS flags, the fixed service range, the no-effect list. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { etcdCredentials } from '../../../src/kube/apiserver/etcd-client.ts';
import { ACCEPTED_NO_EFFECT, FLAGS, parseFlags } from '../../../src/kube/apiserver/flags.ts';
import { FlagError, usage } from '../../../src/kube/runtime/flags.ts';

const base = ['--advertise-address=127.0.0.1', '--tls-cert-file=c', '--tls-private-key-file=k'];
const https = '--etcd-servers=https://127.0.0.1:2379';

t.test('etcd TLS flags', async (t) => {
  const f = parseFlags([...base, https, '--etcd-cafile=ca', '--etcd-certfile=cert', '--etcd-keyfile=key']);
  t.same(f.etcdTls, { caFile: 'ca', certFile: 'cert', keyFile: 'key' });
  t.same(parseFlags([...base, https, '--etcd-cafile=ca']).etcdTls, { caFile: 'ca' });
  t.equal(parseFlags([...base, https]).etcdTls, undefined, 'https without files: system roots');
  t.equal(parseFlags([...base, '--etcd-servers=http://127.0.0.1:2379']).etcdTls, undefined);
  const bad: [string[], RegExp][] = [
    [[https, '--etcd-certfile=cert'], /--etcd-certfile and --etcd-keyfile go together/],
    [[https, '--etcd-keyfile=key'], /--etcd-certfile and --etcd-keyfile go together/],
    [['--etcd-servers=http://127.0.0.1:2379', '--etcd-cafile=ca'], /need https:\/\/ --etcd-servers/],
    [
      ['--etcd-servers=https://127.0.0.1:2379,http://127.0.0.2:2379'],
      /https:\/\/ for every server or for none/,
    ],
  ];
  for (const [argv, re] of bad) {
    t.throws(() => parseFlags([...base, ...argv]), re);
    t.throws(() => parseFlags([...base, ...argv]), FlagError);
  }
});

t.test('etcd credentials are read from the files, and a missing file names its flag', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hadrill-etcdtls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const f of ['ca', 'cert', 'key']) await writeFile(path.join(dir, f), `${f}-pem`);
  const servers = ['https://127.0.0.1:2379'];
  const c = etcdCredentials({
    servers,
    caFile: path.join(dir, 'ca'),
    certFile: path.join(dir, 'cert'),
    keyFile: path.join(dir, 'key'),
  });
  t.equal(c?.rootCertificate.toString(), 'ca-pem');
  t.equal(c?.certChain?.toString(), 'cert-pem');
  t.equal(c?.privateKey?.toString(), 'key-pem');
  t.equal(etcdCredentials({ servers: ['http://127.0.0.1:2379'], caFile: 'x' }), undefined);
  t.throws(
    () => etcdCredentials({ servers, caFile: path.join(dir, 'nope') }),
    /--etcd-cafile .*nope: cannot read it/,
  );
  t.throws(
    () => etcdCredentials({ servers, certFile: path.join(dir, 'no-cert'), keyFile: path.join(dir, 'key') }),
    /--etcd-certfile/,
  );
});

t.test('--service-cluster-ip-range: the lab range only', async (t) => {
  const ok = [...base, https];
  t.doesNotThrow(() => parseFlags([...ok, '--service-cluster-ip-range=10.96.0.0/12']));
  t.throws(() => parseFlags([...ok, '--service-cluster-ip-range=10.0.0.0/16']), /10\.96\.0\.0\/12 only/);
});

t.test('accepted with no effect: any value, each with a reason shown by --help', async (t) => {
  const names = Object.keys(ACCEPTED_NO_EFFECT);
  t.ok(names.length >= 17);
  const argv = [...base, https, ...names.map((n) => `--${n}=some-value`)];
  t.doesNotThrow(() => parseFlags(argv));
  const text = usage('kube-apiserver', FLAGS);
  for (const [n, why] of Object.entries(ACCEPTED_NO_EFFECT)) {
    t.ok(text.includes(`--${n} (string, default "")\n      accepted, no effect in the lab: ${why}`), n);
  }
  t.throws(() => parseFlags([...argv, '--not-a-kube-flag=1']), /unknown flag --not-a-kube-flag/);
});
