/**
 * cert-expiry's kubelet-client scripts run for real (sh, openssl) on scratch directories standing
 * in for a node's /var/lib/kubelet/pki and a control plane's /etc/kubernetes/pki: the request made
 * on the node carries no key; the control plane signs only a node's request, expired or for a
 * year; the node installs a certificate only for its own key, into the file the symlink names
 * (the link stays), with its key, 0600, the original kept once; the renewal is valid and removes
 * the backup; a renewal without the backup touches nothing; the state line parses.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ensureCa, ensureLeaf } from '../../src/lab/pki/index.ts';
import { parseCertLine, parseRenewed } from '../../src/targets/kubeadm-cert-expiry.ts';
import {
  installKubeletCertScript,
  kubeletClientStateScript,
  kubeletCsrScript,
  parseKubeletClientState,
  signKubeletCsrScript,
} from '../../src/targets/kubeadm-kubelet-cert.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-kubeletcert-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const pki = path.join(dir, 'pki'); // the control plane's /etc/kubernetes/pki
const kpki = path.join(dir, 'kubelet-pki'); // the node's /var/lib/kubelet/pki
fs.mkdirSync(pki);
fs.mkdirSync(kpki);
// The lab's PKI helpers (openssl): the cluster CA, and a node's client certificate from it.
const caPair = await ensureCa(pki, 3650, { cn: 'kubernetes' });
const ca = new X509Certificate(fs.readFileSync(caPair.cert));
/** A node's client certificate and key, as the kubelet's file store keeps them. */
async function nodeCert(where: string, cn: string): Promise<Buffer> {
  const k = await ensureLeaf(where, caPair, {
    name: 'k',
    cn,
    groups: ['system:nodes'],
    usage: 'client',
    days: 365,
  });
  return Buffer.concat([fs.readFileSync(k.cert), fs.readFileSync(k.key)]);
}
const rotated = path.join(kpki, 'kubelet-client-2026-01-01-00-00-00.pem');
const pem = await nodeCert(kpki, 'system:node:w1');
fs.writeFileSync(rotated, pem, { mode: 0o600 });
const current = path.join(kpki, 'kubelet-client-current.pem');
fs.symlinkSync(rotated, current);
const key = fs.readFileSync(path.join(kpki, 'k.key'), 'utf8');
const orig = new X509Certificate(pem);

const run = (script: string, input?: string) =>
  spawnSync(
    'sh',
    ['-c', script.replaceAll('/var/lib/kubelet/pki', kpki).replaceAll('/etc/kubernetes/pki', pki)],
    { encoding: 'utf8', input },
  );
/** Request on the node, signed expired and renewed on the control plane, both given to the node. */
function expire() {
  const req = run(kubeletCsrScript());
  const expired = run(signKubeletCsrScript('expired'), req.stdout);
  const renewed = run(signKubeletCsrScript('renewed'), req.stdout);
  return {
    req,
    expired,
    renewed,
    put: run(installKubeletCertScript('expire'), expired.stdout + renewed.stdout),
  };
}

t.test('every script is valid sh', async (t) => {
  for (const s of [
    kubeletClientStateScript(),
    kubeletCsrScript(),
    signKubeletCsrScript('expired'),
    installKubeletCertScript('expire'),
    installKubeletCertScript('renew'),
  ])
    t.equal(spawnSync('sh', ['-n', '-c', s]).status, 0);
});

t.test(
  'expire: request without the key, signed expired, installed with the key behind the link',
  async (t) => {
    const { req, expired, renewed, put } = expire();
    t.equal(req.status, 0, req.stderr);
    t.match(req.stdout, /^-----BEGIN CERTIFICATE REQUEST-----/);
    t.notMatch(req.stdout, /PRIVATE KEY/, 'the key stays on the node');
    t.equal(expired.status, 0, expired.stderr);
    t.equal(renewed.status, 0, renewed.stderr);
    t.equal(put.status, 0, put.stderr);
    t.equal(
      fs.readFileSync(`${current}.renewal`, 'utf8').trim(),
      renewed.stdout.trim(),
      'the renewal kept for the heal',
    );
    t.equal(fs.readlinkSync(current), rotated, 'the link stays');
    const text = fs.readFileSync(rotated, 'utf8');
    const c = new X509Certificate(text);
    t.equal(parseCertLine(put.stdout)?.serial, c.serialNumber.toUpperCase(), 'prints the new serial');
    t.ok(Date.parse(c.validTo) < Date.now() - 23 * 3600_000, `expired: ${c.validTo}`);
    t.equal(c.subject, orig.subject);
    t.equal(c.keyUsage?.join(), orig.keyUsage?.join(), 'the usages kept');
    t.ok(c.publicKey.equals(orig.publicKey), 'the same key');
    t.ok(c.checkIssued(ca) && c.verify(ca.publicKey), 'signed by the cluster CA');
    t.ok(text.endsWith(key), 'the key follows the certificate');
    t.equal(fs.statSync(rotated).mode & 0o777, 0o600);
    t.equal(new X509Certificate(fs.readFileSync(`${current}.before-expiry`)).serialNumber, orig.serialNumber);
    // A replay keeps the original backup; its request comes from the original again.
    t.equal(expire().put.status, 0);
    t.equal(new X509Certificate(fs.readFileSync(`${current}.before-expiry`)).serialNumber, orig.serialNumber);
  },
);

t.test('renew: the kept renewal, no stdin; the renewal and backup removed; again: nothing', async (t) => {
  const put = run(installKubeletCertScript('renew'));
  t.equal(put.status, 0, put.stderr);
  t.equal(parseRenewed(put.stdout), 'openssl');
  const c = new X509Certificate(fs.readFileSync(current));
  t.ok(Date.parse(c.validTo) > Date.now() + 364 * 86_400_000, `renewed: ${c.validTo}`);
  t.ok(fs.readFileSync(rotated, 'utf8').endsWith(key), 'with its key');
  t.notOk(fs.existsSync(`${current}.before-expiry`), 'backup removed');
  t.notOk(fs.existsSync(`${current}.renewal`), 'renewal removed');
  const before = fs.readFileSync(rotated);
  const again = run(installKubeletCertScript('renew'), 'anything');
  t.equal(parseRenewed(again.stdout), 'none', 'nothing the drill expired');
  t.ok(fs.readFileSync(rotated).equals(before), 'nothing touched');
});

t.test('refused: another key, a request not a node’s, no CA key, stdin not a certificate', async (t) => {
  const before = fs.readFileSync(rotated);
  const elsewhere = path.join(dir, 'other');
  fs.mkdirSync(elsewhere);
  const otherCert = (await nodeCert(elsewhere, 'system:node:w2'))
    .toString('utf8')
    .split('-----BEGIN PRIVATE KEY')[0]!;
  const wrong = run(installKubeletCertScript('expire'), otherCert + otherCert);
  t.equal(wrong.status, 3);
  t.match(wrong.stderr, /not for this node's key/);
  const notCert = run(installKubeletCertScript('expire'), 'hello');
  t.equal(notCert.status, 2);
  t.match(notCert.stderr, /stdin is not two certificates/);
  const one = run(installKubeletCertScript('expire'), otherCert);
  t.equal(one.status, 2, 'one certificate without its renewal');
  t.notOk(fs.existsSync(`${current}.renewal`), 'no renewal kept');
  t.ok(fs.readFileSync(rotated).equals(before), 'nothing written');
  t.notOk(fs.existsSync(`${current}.before-expiry`), 'no backup made');
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'x.key',
      '-out',
      'x.csr',
      '-subj',
      '/CN=admin',
    ],
    { cwd: elsewhere, stdio: 'ignore' },
  );
  const foreign = run(
    signKubeletCsrScript('renewed'),
    fs.readFileSync(path.join(elsewhere, 'x.csr'), 'utf8'),
  );
  t.equal(foreign.status, 3);
  t.match(foreign.stderr, /not a kubelet's request/);
  const noCa = spawnSync(
    'sh',
    ['-c', signKubeletCsrScript('expired').replaceAll('/etc/kubernetes/pki', elsewhere)],
    {
      encoding: 'utf8',
      input: run(kubeletCsrScript()).stdout,
    },
  );
  t.equal(noCa.status, 3);
  t.match(noCa.stderr, /ca\.crt is missing: sign on a kubeadm control plane/);
});

t.test('the state line', async (t) => {
  t.same(
    parseKubeletClientState('serial=AB01 notAfter=Dec  3 13:00:00 2027 GMT healthz=000 api=401 backup=yes\n'),
    {
      serial: 'AB01',
      notAfter: new Date('Dec  3 13:00:00 2027 GMT'),
      healthz: 0,
      api: 401,
      backup: true,
    },
  );
  t.equal(
    parseKubeletClientState('serial=AB01 notAfter=Dec  3 13:00:00 2027 GMT healthz=000 api=401\n'),
    undefined,
  );
});

t.test('a heal whose kept renewal is gone says what to do, and touches nothing', async (t) => {
  t.equal(expire().put.status, 0);
  fs.rmSync(`${current}.renewal`);
  const before = fs.readFileSync(rotated);
  const r = run(installKubeletCertScript('renew'));
  t.equal(r.status, 3);
  t.match(r.stderr, /renewal prepared when the drill expired the certificate is gone; put the original/);
  t.ok(fs.readFileSync(rotated).equals(before));
  t.ok(fs.existsSync(`${current}.before-expiry`), 'the backup stays');
});
