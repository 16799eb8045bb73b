/**
 * cert-expiry's scripts run for real (sh, openssl) against a kubeadm-like PKI in a temporary
 * directory (the scripts' /etc/kubernetes/pki replaced by it, nothing else changed): the expired
 * certificate keeps the key, subject, SANs and usages and chains to the CA; the original is kept
 * once; the renewal is valid, chains, and removes the backup; a renewal without the drill's
 * backup touches nothing; the served-certificate check reads what a TLS server presents.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import t from 'tap';
import { ensureCa } from '../../src/lab/pki/index.ts';
import {
  expireCertScript,
  parseCertLine,
  parseRenewed,
  renewCertScript,
  servedCertScript,
} from '../../src/targets/kubeadm-cert-expiry.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-certexp-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const pki = path.join(dir, 'pki');
fs.mkdirSync(pki);
const ssl = (...args: string[]) =>
  execFileSync('openssl', args, { cwd: pki, stdio: ['ignore', 'pipe', 'pipe'] });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
await ensureCa(pki, 3650, { cn: 'kubernetes' });
ssl('req', '-new', ...EC, '-keyout', 'apiserver.key', '-out', 'a.csr', '-subj', '/CN=kube-apiserver/O=grp');
fs.writeFileSync(
  path.join(pki, 'ext'),
  'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:kubernetes,IP:10.0.0.1\n',
);
ssl(
  'x509',
  '-req',
  '-in',
  'a.csr',
  '-CA',
  'ca.crt',
  '-CAkey',
  'ca.key',
  '-set_serial',
  '0x1234',
  '-days',
  '365',
  '-extfile',
  'ext',
  '-out',
  'apiserver.crt',
);

const local = (script: string) => script.replaceAll('/etc/kubernetes/pki', pki);
const sh = (script: string) => spawnSync('sh', ['-c', local(script)], { encoding: 'utf8' });
const cert = (f = 'apiserver.crt') => new X509Certificate(fs.readFileSync(path.join(pki, f)));
const ca = new X509Certificate(fs.readFileSync(path.join(pki, 'ca.crt')));
const original = cert();

t.test('every script is valid sh', async (t) => {
  for (const s of [
    expireCertScript('apiserver'),
    renewCertScript('etcd-peer'),
    servedCertScript('etcd-peer', '10.0.0.1', 2380),
  ])
    t.equal(spawnSync('sh', ['-n', '-c', s]).status, 0);
});

t.test('expire: same key, subject, SANs and usages, signed by the CA, expired a day ago', async (t) => {
  const r = sh(expireCertScript('apiserver'));
  t.equal(r.status, 0, r.stderr);
  const c = cert();
  const line = parseCertLine(r.stdout);
  t.equal(line?.serial, c.serialNumber.toUpperCase(), 'prints the new serial');
  t.not(c.serialNumber, original.serialNumber);
  t.ok(Date.parse(c.validTo) < Date.now() - 23 * 3600_000, `expired: ${c.validTo}`);
  t.ok(c.checkIssued(ca) && c.verify(ca.publicKey), 'signed by the same CA');
  t.equal(c.subject, original.subject);
  t.equal(c.subjectAltName, original.subjectAltName);
  t.same(c.keyUsage, original.keyUsage);
  t.ok(c.publicKey.equals(original.publicKey), 'the same key');
  t.equal(
    cert('apiserver.crt.before-expiry').serialNumber,
    original.serialNumber,
    'the original kept beside',
  );
  // A replay keeps the first backup (the original), not the expired one.
  t.equal(sh(expireCertScript('apiserver')).status, 0);
  t.equal(
    cert('apiserver.crt.before-expiry').serialNumber,
    original.serialNumber,
    'a replay keeps the original',
  );
});

t.test(
  'renew: valid for a year, same subject and SANs, chains, backup removed; again: nothing',
  async (t) => {
    const r = sh(renewCertScript('apiserver'));
    t.equal(r.status, 0, r.stderr);
    t.equal(parseRenewed(r.stdout), 'openssl', 'no kubeadm here: the CA on the node');
    const c = cert();
    t.ok(
      Date.parse(c.validFrom) <= Date.now() && Date.parse(c.validTo) > Date.now() + 364 * 86_400_000,
      `valid: ${c.validFrom} → ${c.validTo}`,
    );
    t.ok(c.checkIssued(ca) && c.verify(ca.publicKey));
    t.equal(c.subjectAltName, original.subjectAltName);
    t.notOk(fs.existsSync(path.join(pki, 'apiserver.crt.before-expiry')), 'backup removed');
    const before = fs.readFileSync(path.join(pki, 'apiserver.crt'));
    const again = sh(renewCertScript('apiserver'));
    t.equal(again.status, 0);
    t.equal(parseRenewed(again.stdout), 'none');
    t.ok(fs.readFileSync(path.join(pki, 'apiserver.crt')).equals(before), 'nothing touched');
  },
);

t.test('a missing CA key is named, nothing written', async (t) => {
  const r = spawnSync('sh', ['-c', expireCertScript('etcd-peer').replaceAll('/etc/kubernetes/pki', pki)], {
    encoding: 'utf8',
  });
  t.equal(r.status, 3);
  t.match(r.stderr, /etcd\/peer\.crt is missing: not a kubeadm node with this certificate/);
  // An external etcd host without the etcd CA key (the HA etcd guide keeps it on its HOST0 only).
  const other = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-nokey-'));
  t.teardown(() => fs.rmSync(other, { recursive: true, force: true }));
  fs.mkdirSync(path.join(other, 'etcd'));
  fs.copyFileSync(path.join(pki, 'ca.crt'), path.join(other, 'etcd/ca.crt'));
  fs.copyFileSync(path.join(pki, 'apiserver.crt'), path.join(other, 'etcd/peer.crt'));
  fs.copyFileSync(path.join(pki, 'apiserver.key'), path.join(other, 'etcd/peer.key'));
  const before = fs.readdirSync(path.join(other, 'etcd')).sort();
  const k = spawnSync('sh', ['-c', expireCertScript('etcd-peer').replaceAll('/etc/kubernetes/pki', other)], {
    encoding: 'utf8',
  });
  t.equal(k.status, 5, 'NO_CA_KEY: the fault signs on a host that has it (kubeadm-cert-signer.ts)');
  t.match(k.stderr, /etcd\/ca\.key is missing on .*signed on a host that has the CA's key/);
  t.same(fs.readdirSync(path.join(other, 'etcd')).sort(), before, 'nothing written');
});

t.test('served: the certificate a TLS server presents', async (t) => {
  const server = tls.createServer(
    {
      cert: fs.readFileSync(path.join(pki, 'apiserver.crt')),
      key: fs.readFileSync(path.join(pki, 'apiserver.key')),
    },
    (s) => s.end(),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  // Asynchronously: the server answers from this process's event loop.
  const r = await promisify(execFile)('sh', ['-c', servedCertScript('apiserver', '127.0.0.1', port)], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  const seen = parseCertLine(r.stdout);
  t.equal(seen?.serial, cert().serialNumber.toUpperCase());
  t.equal(seen?.notAfter.getTime(), Date.parse(cert().validTo));
  const none = spawnSync('sh', ['-c', servedCertScript('apiserver', '127.0.0.1', 1)], { encoding: 'utf8' });
  t.equal(none.status, 1);
  t.match(none.stderr, /nothing answered TLS on 127\.0\.0\.1:1/);
});
