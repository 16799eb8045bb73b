/**
 * The PKI helpers (src/lab/pki): CA, apiserver serving certificates with the right SANs, a client
 * certificate, kubeconfig. The lab's own certificates are kubeadm's (src/lab/kubeadm/pki.ts).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import {
  ensureApiserverCert,
  ensureCa,
  ensureClientCert,
  LAB_VIP,
  writeKubeconfig,
} from '../../../src/lab/pki/index.ts';
import { cpuMs } from '../../helpers/cpu.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'hadrill-pki-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const hosts = [
  { name: 'cp1', ip: '198.18.0.11' },
  { name: 'cp2', ip: '198.18.0.12' },
];

/** A CA, one apiserver serving certificate per host and an admin client certificate, in `dir`. */
async function pkiIn(d: string) {
  const ca = await ensureCa(d);
  const servers = Object.fromEntries(
    await Promise.all(hosts.map(async (h) => [h.name, await ensureApiserverCert(d, ca, h)] as const)),
  );
  const admin = await ensureClientCert(d, ca, 'admin', 'kubernetes-admin', ['system:masters']);
  return { ca, servers, admin };
}

t.test('generates a CA, serving certs and the admin cert', async (t) => {
  const cpuFrom = cpuMs();
  const pki = await pkiIn(dir);
  // CPU, not wall time: the unit lane runs at nice 19 beside the lab (8 s of wall time on CI for
  // about 0.1 s of CPU).
  const cpu = cpuMs() - cpuFrom;
  t.ok(cpu < 1000, `generated with ${cpu.toFixed(0)} ms of CPU (openssl's included)`);
  const ca = new X509Certificate(await readFile(pki.ca.cert));
  t.ok(ca.ca, 'CA:TRUE');
  t.equal(ca.publicKey.asymmetricKeyType, 'ec');

  const cp1 = new X509Certificate(await readFile(pki.servers.cp1!.cert));
  t.ok(cp1.verify(ca.publicKey), 'signed by the CA');
  t.equal(cp1.issuer, ca.subject);
  const sans = cp1.subjectAltName ?? '';
  for (const s of [
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:localhost',
    'DNS:cp1',
    'IP Address:198.18.0.11',
    'IP Address:127.0.0.1',
    `IP Address:${LAB_VIP}`,
  ]) {
    t.ok(sans.includes(s), `SAN ${s}`);
  }
  t.notOk(sans.includes('198.18.0.12'), 'not the other host');
  t.ok(cp1.checkIP(LAB_VIP), 'valid for the VIP');
  t.ok(cp1.checkHost('kubernetes.default.svc'));
  t.match(cp1.keyUsage ?? [], ['1.3.6.1.5.5.7.3.1']);

  const admin = new X509Certificate(await readFile(pki.admin.cert));
  t.match(admin.subject, /CN=kubernetes-admin/);
  t.match(admin.subject, /O=system:masters/);
  t.ok(admin.verify(ca.publicKey));
  t.equal((await stat(pki.admin.key)).mode & 0o777, 0o600, 'keys are private');
});

t.test('idempotent: existing files are reused', async (t) => {
  const before = await readFile(path.join(dir, 'ca.crt'), 'utf8');
  const srv = await readFile(path.join(dir, 'apiserver-cp1.crt'), 'utf8');
  const pki = await pkiIn(dir);
  t.equal(await readFile(pki.ca.cert, 'utf8'), before);
  t.equal(await readFile(pki.servers.cp1!.cert, 'utf8'), srv);
});

t.test('kubeconfig with client cert or token', async (t) => {
  const pki = await pkiIn(dir);
  const file = await writeKubeconfig(path.join(dir, 'admin.kubeconfig'), {
    server: `https://${LAB_VIP}:6443`,
    caFile: pki.ca.cert,
    clientCert: pki.admin.cert,
    clientKey: pki.admin.key,
  });
  const doc = YAML.parse(await readFile(file, 'utf8'));
  t.equal(doc.clusters[0].cluster.server, 'https://198.18.0.10:6443');
  t.equal(
    Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
    await readFile(pki.ca.cert, 'utf8'),
  );
  t.ok(doc.users[0].user['client-certificate-data']);
  t.equal(doc['current-context'], doc.contexts[0].name);
  const tok = YAML.parse(
    await readFile(
      await writeKubeconfig(path.join(dir, 'tok.kubeconfig'), {
        server: 'https://127.0.0.1:6443',
        caFile: pki.ca.cert,
        token: 'abc',
      }),
      'utf8',
    ),
  );
  t.equal(tok.users[0].user.token, 'abc');
  await t.rejects(
    writeKubeconfig(path.join(dir, 'bad'), { server: 'http://x', caFile: pki.ca.cert, token: 'a' }),
    /https/,
  );
  await t.rejects(
    writeKubeconfig(path.join(dir, 'bad'), { server: 'https://x', caFile: pki.ca.cert }),
    /token/,
  );
});
