/**
 * The certificate-expiry script run for real (sh, no openssl needed) on a scratch /etc/kubernetes: real
 * certificates from a CA, as the lab's kubeadm PKI makes them (10, 40, 365 and 3650 days), a kubeconfig with an embedded
 * client certificate, a file that is not a certificate, absent ones; then the findings, today and
 * 11 days from now: expired critical, under 30 days warning, one info line per host with every
 * certificate's remaining days.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { certFindings } from '../../src/analysis/certs.ts';
import { ensureCa, ensureLeaf } from '../../src/lab/pki/index.ts';
import { certExpiryScript, KUBEADM_CERTS, parseCertExpiry } from '../../src/targets/kubeadm-certs.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-certs-'));
t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
const etc = path.join(root, 'etc/kubernetes');

// The lab's kubeadm PKI helpers: a CA and leaves signed by it, as kubeadm lays them out.
const pki = path.join(etc, 'pki');
const ca = await ensureCa(pki, 3650);
const leaf = (dir: string, name: string, days: number) =>
  ensureLeaf(dir, ca, { name, cn: name, usage: 'client', days });
await leaf(pki, 'apiserver', 10);
await leaf(path.join(pki, 'etcd'), 'peer', 40);
fs.writeFileSync(path.join(pki, 'etcd/server.crt'), 'not a certificate\n');
const admin = await leaf(root, 'admin', 365);
const b64 = fs.readFileSync(admin.cert).toString('base64');
fs.writeFileSync(
  path.join(etc, 'admin.conf'),
  `apiVersion: v1\nkind: Config\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: ${b64}\n    client-key-data: AAAA\n`,
);

// The kubelet's rotated certificate: certificate and key in one file, behind a symlink.
const kpki = path.join(root, 'var/lib/kubelet/pki');
const kubelet = await leaf(path.join(root, 'kubelet'), 'kubelet', 365);
fs.mkdirSync(kpki, { recursive: true });
fs.writeFileSync(
  path.join(kpki, 'kubelet-client-2026.pem'),
  Buffer.concat([fs.readFileSync(kubelet.cert), fs.readFileSync(kubelet.key)]),
);
fs.symlinkSync(path.join(kpki, 'kubelet-client-2026.pem'), path.join(kpki, 'kubelet-client-current.pem'));

const run = spawnSync(
  'sh',
  [
    '-c',
    certExpiryScript()
      .replaceAll('/etc/kubernetes', etc)
      .replaceAll('/var/lib/kubelet', path.join(root, 'var/lib/kubelet')),
  ],
  { encoding: 'utf8' },
);
const certs = parseCertExpiry(run.stdout);
const byName = new Map(certs.map((c) => [c.name, c]));

t.test('every kubeadm certificate is listed, read or said absent', async (t) => {
  t.equal(run.status, 0, run.stderr);
  t.equal(certs.length, KUBEADM_CERTS.length, 'one line per certificate check-expiration lists');
  t.match(byName.get('apiserver'), { state: 'valid', ca: false });
  t.match(byName.get('ca'), { state: 'valid', ca: true });
  t.match(byName.get('admin.conf'), { state: 'valid' }, 'the embedded client certificate of a kubeconfig');
  t.match(byName.get('etcd-server'), {
    state: 'unreadable',
    why: /no PEM certificate/,
  });
  t.match(byName.get('scheduler.conf'), { state: 'absent' });
  t.match(byName.get('kubelet-client'), { state: 'valid', ca: false }, "the kubelet's rotated certificate");
  t.notMatch(run.stdout, /PRIVATE KEY/, 'never a key');
  const api = byName.get('apiserver');
  if (api?.state === 'valid') {
    const days = (api.notAfter.getTime() - Date.now()) / 86_400_000;
    t.ok(days > 9 && days <= 10, `apiserver expires in ${days.toFixed(2)} days`);
  }
});

t.test('findings: expired critical, under 30 days warning, every certificate in the info line', async (t) => {
  const DAY = 86_400_000;
  const today = certFindings(new Map([['cp1', certs]]), new Date(Date.now() + 1000));
  const ids = (f: typeof today) => f.map((x) => `${x.severity} ${x.id}`);
  t.same(
    ids(today)
      .filter((i) => !i.startsWith('info'))
      .sort(),
    ['warning cert-expiring:cp1:apiserver', 'warning cert-unreadable:cp1:etcd-server'],
    'today: the apiserver certificate (10 days) and the unreadable one',
  );
  const info = today.find((x) => x.id === 'cert-expiry:cp1');
  t.match(
    info?.message,
    /^cp1 certificates: admin\.conf 36[45] d \(\d{4}-\d\d-\d\d\), apiserver 9 d .*etcd-peer 39 d .*ca 364[89] d/,
  );
  t.match(info?.message, /absent: .*scheduler\.conf/);
  t.match(info?.message, /kubelet-client 36[45] d/);
  const later = certFindings(new Map([['cp1', certs]]), new Date(Date.now() + 11 * DAY));
  t.same(
    ids(later)
      .filter((i) => !i.startsWith('info'))
      .sort(),
    [
      'critical cert-expired:cp1:apiserver',
      'warning cert-expiring:cp1:etcd-peer',
      'warning cert-unreadable:cp1:etcd-server',
    ],
    'in 11 days: the apiserver certificate expired, etcd-peer under 30 days',
  );
  t.match(
    later.find((x) => x.id === 'cert-expired:cp1:apiserver')?.message,
    /renew it \(kubeadm certs renew apiserver\)/,
  );
});

t.test('an external etcd host: no absent list, and no kubeadm renewal to name', async (t) => {
  const DAY = 86_400_000;
  const later = certFindings(new Map([['e1', certs]]), new Date(Date.now() + 11 * DAY), {
    externalEtcd: new Set(['e1']),
  });
  const info = later.find((x) => x.id === 'cert-expiry:e1');
  t.match(info?.message, /^e1 certificates: .*etcd-peer 28 d/);
  t.notMatch(info?.message, /absent/, "the control planes' files are not missing there");
  const expired = later.find((x) => x.id === 'cert-expired:e1:apiserver')?.message;
  t.match(expired, /kubeadm does not renew an external etcd host's certificates/);
  t.notMatch(expired, /kubeadm certs renew/);
  // the same certificates on a control plane keep kubeadm's renewal and the absent list
  const cp = certFindings(new Map([['e1', certs]]), new Date(Date.now() + 11 * DAY));
  t.match(cp.find((x) => x.id === 'cert-expiry:e1')?.message, /absent: /);
});

t.test('a control plane with external etcd: its missing member certificates are not listed', async (t) => {
  const missing = [
    ...certs,
    ...['etcd-healthcheck-client', 'etcd-server'].map((name) => ({
      name,
      state: 'absent' as const,
      ca: false,
    })),
  ];
  const stacked = certFindings(new Map([['cp1', missing]]), new Date()).find(
    (x) => x.id === 'cert-expiry:cp1',
  );
  t.match(
    stacked?.message,
    /absent: .*etcd-healthcheck-client/,
    'stacked: a member certificate missing is said',
  );
  const external = certFindings(new Map([['cp1', missing]]), new Date(), { noMember: new Set(['cp1']) }).find(
    (x) => x.id === 'cert-expiry:cp1',
  );
  const absent = (m?: string) => /; absent: (.*)$/.exec(m ?? '')?.[1] ?? '';
  t.match(absent(stacked?.message), /etcd-healthcheck-client, etcd-server/);
  t.notMatch(
    absent(external?.message),
    /(^|, )etcd-(server|peer|healthcheck-client)(,|$)/,
    'no member on it: not missing',
  );
  t.match(external?.message, /absent: .*scheduler\.conf/, 'the others still are');
});

t.test(
  "the kubelet's client certificate near expiry: its rotation fails, not a kubeadm renewal",
  async (t) => {
    const c = byName.get('kubelet-client');
    if (c?.state !== 'valid') return t.fail('kubelet-client read');
    const DAY = 86_400_000;
    const near = certFindings(new Map([['cp1', [c]]]), new Date(c.notAfter.getTime() - 10 * DAY));
    t.match(
      near.find((f) => f.id === 'cert-expiring:cp1:kubelet-client')?.message,
      /the kubelet's rotation has not renewed it: check the kubelet's log and its CSRs/,
    );
    const past = certFindings(new Map([['cp1', [c]]]), new Date(c.notAfter.getTime() + DAY));
    const expired = past.find((f) => f.id === 'cert-expired:cp1:kubelet-client');
    t.equal(expired?.severity, 'critical');
    t.match(expired?.message, /once expired the kubelet does not start again/);
    t.notMatch(expired?.message, /kubeadm certs renew/);
  },
);
