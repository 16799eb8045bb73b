/**
 * The components' secure port (runtime/secure-serving.ts) over real TLS with certificates from
 * the real openssl: a client certificate of the client CA authenticates (CN, O), one of another CA
 * is a 401, none is system:anonymous (403 on /metrics, allowed on the always-allowed paths) or a
 * 401 when anonymous authentication is off; refusals as the generic apiserver and the kubelet
 * write them; the CA can be replaced; a port in use is logged. Also the self-signed certificates.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import {
  decide,
  pathAllowed,
  type SecureServingOptions,
  startSecureServer,
} from '../../../src/kube/runtime/secure-serving.ts';
import { hostSubject, selfSignedCert } from '../../../src/kube/runtime/self-signed.ts';
import { ensureCa, ensureClientCert } from '../../../src/lab/pki/index.ts';
import { httpsGet } from '../../helpers/https.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hadrill-serving-test-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const ca = await ensureCa(path.join(dir, 'ca'));
const otherCa = await ensureCa(path.join(dir, 'other'));
const prometheus = await ensureClientCert(dir, ca, 'prometheus', 'prometheus', ['system:monitoring']);
const stranger = await ensureClientCert(dir, otherCa, 'stranger', 'prometheus');
const { readFileSync } = await import('node:fs');
const caPem = readFileSync(ca.cert);
const tls = await selfSignedCert();

async function serve(t: Test, o: Partial<SecureServingOptions> = {}) {
  const lines: string[] = [];
  const server = await startSecureServer({
    bindAddress: '127.0.0.1',
    port: 0,
    tls,
    clientCa: caPem,
    anonymous: true,
    authorization: 'Delegated',
    alwaysAllowPaths: ['/healthz', '/readyz', '/livez'],
    routes: {
      '/healthz': (_q, s) => void s.end('ok'),
      '/metrics': (_q, s) => void s.end('metrics'),
    },
    refusals: 'status',
    log: (m) => lines.push(m),
    ...o,
  });
  if (!server) throw new Error('not serving');
  t.teardown(() => server.close());
  return { server, url: (p: string) => `https://127.0.0.1:${server.port}${p}`, lines };
}

t.test('self-signed certificates as upstream makes them', async (t) => {
  const c = new X509Certificate(tls.cert);
  t.match(c.subject, /^CN=localhost@\d{10}$/);
  t.ok(c.checkHost('localhost'));
  t.ok(c.checkIP('127.0.0.1'));
  const k = new X509Certificate((await selfSignedCert(hostSubject('w1'))).cert);
  t.match(k.subject, /^CN=w1@\d{10}$/, "the kubelet's: <hostname>@<time>");
  t.ok(k.checkHost('w1'));
  t.same(hostSubject('198.18.0.31'), { host: '198.18.0.31', dns: [], ips: ['198.18.0.31'] });
});

t.test('decisions (pure)', async (t) => {
  const o = {
    anonymous: true,
    authorization: 'Delegated' as const,
    alwaysAllowPaths: ['/healthz', '/debug/*'],
  };
  const user = { kind: 'user' as const, user: { name: 'p', groups: [] } };
  t.match(decide(o, { kind: 'none' }, '/metrics'), { kind: 403, user: { name: 'system:anonymous' } });
  t.match(decide(o, { kind: 'none' }, '/healthz'), { kind: 'serve' });
  t.match(decide(o, { kind: 'none' }, '/debug/pprof'), { kind: 'serve' }, 'a trailing * is a prefix');
  t.match(decide(o, user, '/metrics'), { kind: 'serve', user: { name: 'p' } });
  t.match(
    decide(o, { kind: 'invalid', reason: 'x' }, '/healthz'),
    { kind: 401 },
    'authentication runs first',
  );
  t.match(decide({ ...o, anonymous: false }, { kind: 'none' }, '/healthz'), { kind: 401 });
  t.match(decide({ ...o, authorization: 'AlwaysAllow' }, { kind: 'none' }, '/metrics'), { kind: 'serve' });
  t.notOk(pathAllowed(['/healthz'], '/healthz/x'));
});

t.test('delegated: anonymous 403 on /metrics, CA-signed certificate served, other CA 401', async (t) => {
  const s = await serve(t);
  const anon = await httpsGet(s.url('/metrics'));
  t.equal(anon.status, 403);
  t.same(JSON.parse(anon.body), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'forbidden: User "system:anonymous" cannot get path "/metrics"',
    reason: 'Forbidden',
    details: {},
    code: 403,
  });
  t.equal((await httpsGet(s.url('/healthz'))).status, 200, 'always-allowed path');
  const ok = await httpsGet(s.url('/metrics'), { client: prometheus });
  t.equal(ok.status, 200);
  t.equal(ok.body, 'metrics');
  const bad = await httpsGet(s.url('/metrics'), { client: stranger });
  t.equal(bad.status, 401);
  t.match(JSON.parse(bad.body), { reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
  t.equal((await httpsGet(s.url('/nothing'), { client: prometheus })).status, 404);
  t.match(s.lines, ['serving securely']);
});

t.test("the kubelet's: anonymous off is 401 as text; the CA can change", async (t) => {
  const s = await serve(t, { anonymous: false, refusals: 'kubelet', alwaysAllowPaths: [] });
  const anon = await httpsGet(s.url('/metrics'));
  t.equal(anon.status, 401);
  t.equal(anon.body, 'Unauthorized\n');
  t.equal((await httpsGet(s.url('/healthz'))).status, 401, 'every path is behind authentication');
  t.equal((await httpsGet(s.url('/metrics'), { client: prometheus })).status, 200);
  s.server.setClientCa(readFileSync(otherCa.cert));
  t.equal((await httpsGet(s.url('/metrics'), { client: stranger })).status, 200, 'the new CA verifies');
  t.equal((await httpsGet(s.url('/metrics'), { client: prometheus })).status, 401, 'the old one not');
  s.server.setClientCa(undefined);
  t.equal(
    (await httpsGet(s.url('/metrics'), { client: prometheus })).status,
    401,
    'no CA: no certificate counts',
  );
});

t.test('a kept-alive connection opened before the CA arrived authenticates once it has', async (t) => {
  // Prometheus keeps its scrape connection: the scheduler's CA comes from a ConfigMap a moment
  // after it starts serving, and every request is verified against the CA of the moment.
  const s = await serve(t, { clientCa: undefined });
  const https = await import('node:https');
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const get = () =>
    new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
      const req = https.request(
        s.url('/metrics'),
        {
          agent,
          rejectUnauthorized: false,
          cert: readFileSync(prometheus.cert),
          key: readFileSync(prometheus.key),
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  t.match(await get(), { status: 403 }, 'no CA yet: anonymous');
  s.server.setClientCa(caPem);
  t.same(await get(), { status: 200, reused: true }, 'the same connection, now authenticated');
  s.server.setClientCa(readFileSync(otherCa.cert));
  t.same(await get(), { status: 401, reused: true }, 'and refused once the CA no longer signs it');
});

t.test('without a client CA a certificate is ignored (anonymous); a port in use is logged', async (t) => {
  const s = await serve(t, { clientCa: undefined });
  t.equal((await httpsGet(s.url('/metrics'), { client: prometheus })).status, 403);
  const lines: string[] = [];
  const again = await startSecureServer({
    bindAddress: '127.0.0.1',
    port: s.server.port,
    tls,
    anonymous: true,
    authorization: 'AlwaysAllow',
    alwaysAllowPaths: [],
    routes: {},
    refusals: 'status',
    log: (m) => lines.push(m),
  });
  t.equal(again, undefined);
  t.match(lines, ['secure serving off: address in use']);
});
