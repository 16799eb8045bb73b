/**
 * The secure port of kube-controller-manager / kube-scheduler from its flags: the health paths
 * without a certificate (kubeadm's probes), /metrics only for a client certificate of
 * --client-ca-file (403 for system:anonymous), --tls-cert-file used when given, off with
 * --secure-port=0, bad flags named.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import t from 'tap';
import {
  checkSecureServing,
  secureServingFlags,
  startSecureServing,
} from '../../../src/kube/leaderelection/serving.ts';
import { FlagError, parseFlags } from '../../../src/kube/runtime/flags.ts';
import { newComponentRegistry } from '../../../src/kube/runtime/metrics.ts';
import { ensureCa, ensureClientCert, ensureLeaf } from '../../../src/lab/pki/index.ts';
import { httpsGet } from '../../helpers/https.ts';
import { freePort } from '../../helpers/net.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hadrill-le-serving-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const ca = await ensureCa(path.join(dir, 'ca'));
const prometheus = await ensureClientCert(dir, ca, 'prometheus', 'prometheus', ['system:monitoring']);
const flags = (argv: string[]) => parseFlags(argv, secureServingFlags(10259));

t.test('defaults as upstream', async (t) => {
  const f = flags([]);
  t.equal(f['bind-address'], '0.0.0.0');
  t.equal(f['secure-port'], 10259);
  t.equal(f['authorization-always-allow-paths'], '/healthz,/readyz,/livez');
});

/** The server certificate a GET sees. */
async function peerCert(url: string): Promise<X509Certificate> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, agent: false }, (res) => {
      const c = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate();
      res.resume();
      if (c) resolve(c);
      else reject(new Error('no peer certificate'));
    });
    req.on('error', reject);
  });
}

t.test('health without a certificate, /metrics for the client CA only', async (t) => {
  const port = await freePort();
  const registry = newComponentRegistry();
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const stop = await startSecureServing({
    flags: flags(['--bind-address=127.0.0.1', `--secure-port=${port}`, `--client-ca-file=${ca.cert}`]),
    registry,
    log: () => {},
    signal: ac.signal,
  });
  t.teardown(stop);
  const url = (p: string) => `https://127.0.0.1:${port}${p}`;
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await httpsGet(url(p));
    t.equal(r.status, 200, p);
    t.equal(r.body, 'ok');
  }
  const anon = await httpsGet(url('/metrics'));
  t.equal(anon.status, 403);
  t.match(anon.body, /forbidden: User \\"system:anonymous\\" cannot get path \\"\/metrics\\"/);
  const r = await httpsGet(url('/metrics'), { client: prometheus });
  t.equal(r.status, 200);
  t.match(r.body, /^kubernetes_build_info\{/m);
  const cert = await peerCert(url('/healthz'));
  t.match(cert.subject, /^CN=localhost@\d+$/, 'self-signed for localhost without --tls-cert-file');
});

t.test('--tls-cert-file is served; --secure-port=0 serves nothing', async (t) => {
  const port = await freePort();
  const serving = await ensureLeaf(dir, ca, {
    name: 'serving',
    cn: 'kube-scheduler',
    ips: ['127.0.0.1'],
    usage: 'server',
  });
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const stop = await startSecureServing({
    flags: flags([
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
    ]),
    registry: new Registry(),
    log: () => {},
    signal: ac.signal,
  });
  t.teardown(stop);
  const c = await peerCert(`https://127.0.0.1:${port}/healthz`);
  t.equal(c.subject, 'CN=kube-scheduler');
  t.ok(c.checkIssued(new X509Certificate(readFileSync(ca.cert))));
  const lines: string[] = [];
  const off = await startSecureServing({
    flags: flags(['--secure-port=0']),
    registry: new Registry(),
    log: (m) => lines.push(m),
    signal: ac.signal,
  });
  await off();
  t.same(lines, [], 'nothing made, nothing served');
});

t.test('bad flags are FlagErrors that name the flag', async (t) => {
  const base = { 'tls-cert-file': '', 'tls-private-key-file': '' };
  t.throws(() => checkSecureServing({ ...base, 'bind-address': 'localhost' }), FlagError);
  t.throws(
    () => checkSecureServing({ ...base, 'bind-address': 'localhost' }),
    /--bind-address=localhost: expected an IP/,
  );
  t.throws(
    () => checkSecureServing({ ...base, 'bind-address': '0.0.0.0', 'tls-cert-file': 'c' }),
    /--tls-cert-file and --tls-private-key-file go together/,
  );
});
