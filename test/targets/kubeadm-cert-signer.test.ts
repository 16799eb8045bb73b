/**
 * cert-expiry's etcd-peer certificate on a node without the etcd CA's key (an external etcd host
 * other than the one the HA etcd guide made the certificates on), with the real openssl in two
 * temp roots: the node (its peer certificate and key, the CA's certificate only) and the signer
 * (the CA's key). The node's own expiry refuses with exit 5 and writes nothing; a request from the
 * node is signed on the signer (expired, renewed), never on the node; the node installs both
 * (checked against its key: a foreign one is refused, nothing written), keeps the renewal; the
 * heal installs the kept renewal without any CA key, and a replay changes nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ensureCa, ensureLeaf } from '../../src/lab/pki/index.ts';
import {
  expireCertScript,
  NO_CA_KEY,
  parseCertLine,
  parseRenewed,
  renewCertScript,
} from '../../src/targets/kubeadm-cert-expiry.ts';
import {
  certRequestScript,
  installCertScript,
  signCertRequestScript,
} from '../../src/targets/kubeadm-cert-signer.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-certsign-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const signerPki = path.join(dir, 'e1');
const nodePki = path.join(dir, 'e2');
const ca = await ensureCa(path.join(signerPki, 'etcd'), 3650, { cn: 'etcd-ca' });
const peer = await ensureLeaf(path.join(nodePki, 'etcd'), ca, {
  name: 'peer',
  cn: 'e2',
  usage: ['serverAuth', 'clientAuth'],
  dnsNames: ['e2', 'localhost'],
  ips: ['198.18.0.42', '127.0.0.1'],
  days: 365,
});
fs.copyFileSync(ca.cert, path.join(nodePki, 'etcd/ca.crt'));

const run = (root: string, script: string, input?: string) =>
  spawnSync('sh', ['-c', script.replaceAll('/etc/kubernetes/pki', root)], {
    encoding: 'utf8',
    ...(input !== undefined ? { input } : {}),
  });
const onNode = (f: string) => path.join(nodePki, 'etcd', f);
const files = () => fs.readdirSync(path.join(nodePki, 'etcd')).sort();
const original = fs.readFileSync(peer.cert, 'utf8');
const pubkey = (pem: string) => new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'pem' });

t.test('no CA key on the node: its own expiry stops with exit 5, nothing written', async (t) => {
  const before = files();
  const r = run(nodePki, expireCertScript('etcd-peer'));
  t.equal(r.status, NO_CA_KEY, r.stderr);
  t.match(r.stderr, /etcd\/ca\.key is missing on .*signed on a host that has the CA's key/);
  t.same(files(), before);
  const s = run(nodePki, signCertRequestScript('etcd-peer', 'expired'), 'x');
  t.equal(s.status, NO_CA_KEY, 'the node cannot sign either');
});

t.test(
  'request on the node, signed on the signer, installed on the node; the heal needs no CA',
  async (t) => {
    const req = run(nodePki, certRequestScript('etcd-peer'));
    t.equal(req.status, 0, req.stderr);
    t.match(req.stdout, /-----BEGIN CERTIFICATE REQUEST-----/);
    t.notMatch(req.stdout, /PRIVATE KEY/, 'the key stays on the node');
    const expired = run(signerPki, signCertRequestScript('etcd-peer', 'expired'), req.stdout);
    t.equal(expired.status, 0, expired.stderr);
    const renewed = run(signerPki, signCertRequestScript('etcd-peer', 'renewed'), req.stdout);
    t.equal(renewed.status, 0, renewed.stderr);
    const e = new X509Certificate(expired.stdout);
    t.ok(Date.parse(e.validTo) < Date.now(), 'expired');
    t.ok(Date.parse(new X509Certificate(renewed.stdout).validTo) > Date.now() + 300 * 86_400_000, 'a year');
    t.equal(e.subject, new X509Certificate(original).subject, 'same subject');
    t.equal(e.subjectAltName, new X509Certificate(original).subjectAltName, 'same SANs');
    t.ok(e.checkIssued(new X509Certificate(fs.readFileSync(ca.cert))), 'by the etcd CA');
    t.equal(run(signerPki, signCertRequestScript('etcd-peer', 'expired'), 'not a request').status, 2);

    // A certificate for another key is refused on the node, and nothing is written.
    const other = await ensureLeaf(path.join(dir, 'other'), ca, {
      name: 'x',
      cn: 'e2',
      usage: 'client',
      days: 365,
    });
    const foreign = fs.readFileSync(other.cert, 'utf8');
    const before = files();
    const bad = run(nodePki, installCertScript('etcd-peer'), `${foreign}${renewed.stdout}`);
    t.equal(bad.status, 3);
    t.match(bad.stderr, /the certificate is not for this node's key/);
    t.same(files(), before, 'nothing written');

    const install = run(nodePki, installCertScript('etcd-peer'), `${expired.stdout}${renewed.stdout}`);
    t.equal(install.status, 0, install.stderr);
    t.equal(parseCertLine(install.stdout)?.serial, e.serialNumber.toUpperCase(), 'prints the new serial');
    t.equal(fs.readFileSync(onNode('peer.crt.before-expiry'), 'utf8'), original, 'the original kept');
    t.ok(fs.existsSync(onNode('peer.crt.renewal')), 'the renewal kept for the heal');
    t.equal(pubkey(fs.readFileSync(onNode('peer.crt'), 'utf8')), pubkey(original), 'the same key');

    // The heal: one command on the node, no CA key anywhere needed.
    const heal = run(nodePki, renewCertScript('etcd-peer'));
    t.equal(heal.status, 0, heal.stderr);
    t.equal(parseRenewed(heal.stdout), 'openssl');
    const now = new X509Certificate(fs.readFileSync(onNode('peer.crt')));
    t.ok(Date.parse(now.validTo) > Date.now(), 'valid again');
    t.equal(now.serialNumber, new X509Certificate(renewed.stdout).serialNumber, 'the kept renewal');
    t.notOk(fs.existsSync(onNode('peer.crt.renewal')));
    t.notOk(fs.existsSync(onNode('peer.crt.before-expiry')));
    const again = run(nodePki, renewCertScript('etcd-peer'));
    t.equal(parseRenewed(again.stdout), 'none', 'a replayed heal changes nothing');
  },
);

t.test('the request comes from the original while the drill has it expired', async (t) => {
  fs.writeFileSync(onNode('peer.crt.before-expiry'), original);
  const req = run(nodePki, certRequestScript('etcd-peer'));
  const subj = execFileSync('openssl', ['req', '-noout', '-subject'], {
    input: req.stdout,
    encoding: 'utf8',
  });
  t.match(subj, /CN *= *e2/);
  fs.rmSync(onNode('peer.crt.before-expiry'));
});
