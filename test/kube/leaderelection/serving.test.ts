/**
 * The secure port of kube-controller-manager / kube-scheduler: HTTPS health paths with a
 * self-signed localhost certificate made by the real openssl, off with --secure-port=0, a taken
 * port logged (not fatal), a bad --bind-address named.
 */
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { createServer } from 'node:net';
import t from 'tap';
import {
  checkSecureServing,
  selfSignedCert,
  startSecureServing,
} from '../../../src/kube/leaderelection/serving.ts';
import { FlagError } from '../../../src/kube/runtime/flags.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

function get(port: number, p: string): Promise<{ status: number; body: string; cert: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: p, rejectUnauthorized: false, timeout: 3000 },
      (res) => {
        const peer = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate();
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert: peer! }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

t.test('self-signed certificate as upstream: localhost@<time>, SANs localhost and 127.0.0.1', async (t) => {
  const c = new X509Certificate((await selfSignedCert()).cert);
  t.match(c.subject, /^CN=localhost@\d{10}$/);
  t.ok(c.checkHost('localhost'));
  t.ok(c.checkIP('127.0.0.1'));
});

t.test('health paths over HTTPS; everything else forbidden', async (t) => {
  const port = await freePort();
  const lines: string[] = [];
  const stop = await startSecureServing({ bindAddress: '127.0.0.1', port, log: (m) => lines.push(m) });
  t.teardown(stop);
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await get(port, p);
    t.equal(r.status, 200, p);
    t.equal(r.body, 'ok');
  }
  t.equal((await get(port, '/metrics')).status, 403);
  t.match(lines, ['serving securely']);

  const taken: string[] = [];
  const again = await startSecureServing({ bindAddress: '127.0.0.1', port, log: (m) => taken.push(m) });
  await again();
  t.match(taken, ['secure serving off: address in use'], 'a taken port is logged, not fatal');
  t.equal((await get(port, '/healthz')).status, 200, 'the first server still serves');
});

t.test('--secure-port=0 serves nothing; a bad --bind-address is a FlagError', async (t) => {
  let made = 0;
  const stop = await startSecureServing({ bindAddress: '127.0.0.1', port: 0, log: () => {} }, async () => {
    made++;
    return { cert: Buffer.from(''), key: Buffer.from('') };
  });
  await stop();
  t.equal(made, 0, 'no certificate made when serving is off');
  t.throws(() => checkSecureServing({ 'bind-address': 'localhost' }), FlagError);
  t.throws(
    () => checkSecureServing({ 'bind-address': 'localhost' }),
    /--bind-address=localhost: expected an IP/,
  );
  await t.rejects(startSecureServing({ bindAddress: '1.2.3', port: 1, log: () => {} }), /--bind-address/);
});
