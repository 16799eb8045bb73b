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
import {
  expireCertScript,
  kubeletClientStateScript,
  parseCertLine,
  parseKubeletClientState,
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
ssl(
  'req',
  '-x509',
  '-new',
  ...EC,
  '-keyout',
  'ca.key',
  '-out',
  'ca.crt',
  '-days',
  '3650',
  '-subj',
  '/CN=kubernetes',
);
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
  t.match(r.stderr, /etcd\/peer\.crt is missing: not a kubeadm control plane/);
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

t.test(
  'kubelet-client: the linked file rewritten (certificate, then key, 0600), the link kept; renewed',
  async (t) => {
    const kpki = path.join(dir, 'kubelet-pki');
    fs.mkdirSync(kpki);
    const kssl = (...args: string[]) =>
      execFileSync('openssl', args, { cwd: kpki, stdio: ['ignore', 'pipe', 'pipe'] });
    kssl(
      'req',
      '-new',
      ...EC,
      '-keyout',
      'k.key',
      '-out',
      'k.csr',
      '-subj',
      '/O=system:nodes/CN=system:node:cp1',
    );
    fs.writeFileSync(
      path.join(kpki, 'ext'),
      'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
    );
    const crt = kssl(
      'x509',
      '-req',
      '-in',
      'k.csr',
      '-CA',
      path.join(pki, 'ca.crt'),
      '-CAkey',
      path.join(pki, 'ca.key'),
      '-days',
      '365',
      '-extfile',
      'ext',
    );
    const key = fs.readFileSync(path.join(kpki, 'k.key'));
    const rotated = path.join(kpki, 'kubelet-client-2026-01-01-00-00-00.pem');
    fs.writeFileSync(rotated, Buffer.concat([crt, key]), { mode: 0o600 });
    const current = path.join(kpki, 'kubelet-client-current.pem');
    fs.symlinkSync(rotated, current);
    const kube = (script: string) =>
      spawnSync('sh', ['-c', local(script).replaceAll('/var/lib/kubelet/pki', kpki)], { encoding: 'utf8' });
    const orig = new X509Certificate(crt);

    const r = kube(expireCertScript('kubelet-client'));
    t.equal(r.status, 0, r.stderr);
    t.equal(fs.readlinkSync(current), rotated, 'the link stays');
    const text = fs.readFileSync(rotated, 'utf8');
    const c = new X509Certificate(text);
    t.equal(parseCertLine(r.stdout)?.serial, c.serialNumber.toUpperCase());
    t.ok(Date.parse(c.validTo) < Date.now(), `expired: ${c.validTo}`);
    t.equal(c.subject, orig.subject);
    t.ok(c.publicKey.equals(orig.publicKey), 'the same key');
    t.ok(c.checkIssued(ca) && c.verify(ca.publicKey), 'signed by the cluster CA');
    t.ok(text.endsWith(key.toString('utf8')), 'the key follows the certificate');
    t.equal(fs.statSync(rotated).mode & 0o777, 0o600);
    t.equal(new X509Certificate(fs.readFileSync(`${current}.before-expiry`)).serialNumber, orig.serialNumber);

    const n = kube(renewCertScript('kubelet-client'));
    t.equal(n.status, 0, n.stderr);
    t.equal(parseRenewed(n.stdout), 'openssl', 'kubeadm does not renew kubelet certificates: the CA');
    const renewed = new X509Certificate(fs.readFileSync(current));
    t.ok(Date.parse(renewed.validTo) > Date.now() + 364 * 86_400_000, `renewed: ${renewed.validTo}`);
    t.ok(fs.readFileSync(rotated, 'utf8').endsWith(key.toString('utf8')), 'still with its key');
    t.notOk(fs.existsSync(`${current}.before-expiry`), 'backup removed');
    t.equal(parseRenewed(kube(renewCertScript('kubelet-client')).stdout), 'none', 'again: nothing');
  },
);

t.test('kubelet-client state: one line, nothing answering reads 000', async (t) => {
  const s = kubeletClientStateScript();
  t.equal(spawnSync('sh', ['-n', '-c', s]).status, 0);
  t.same(parseKubeletClientState('serial=AB01 notAfter=Dec  3 13:00:00 2027 GMT healthz=000 api=401\n'), {
    serial: 'AB01',
    notAfter: new Date('Dec  3 13:00:00 2027 GMT'),
    healthz: 0,
    api: 401,
  });
  t.equal(parseKubeletClientState('serial=AB01 notAfter=Dec  3 13:00:00 2027 GMT\n'), undefined);
});
