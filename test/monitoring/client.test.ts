/**
 * The monitoring client's options for a real cluster's Prometheus, against an HTTPS server on
 * loopback that wants what a secured one wants: its CA verified, a client certificate, a bearer
 * token. And the checks of `--prometheus`-style options before anything is sent (exit 2).
 */
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import t from 'tap';
import { ensureCa, ensureClientCert, ensureLeaf } from '../../src/lab/pki/index.ts';
import { checkEndpoint, getJson, promGlobals } from '../../src/monitoring/client.ts';
import { TargetError, UserError } from '../../src/util/errors.ts';
import { testTmp } from '../helpers/temp.ts';

const dir = testTmp('prom-client-');
const ca = await ensureCa(path.join(dir, 'ca'));
const other = await ensureCa(path.join(dir, 'other'));
const server = await ensureLeaf(dir, ca, {
  name: 'server',
  cn: 'prometheus',
  usage: 'server',
  ips: ['127.0.0.1'],
});
const client = await ensureClientCert(dir, ca, 'client', 'ha-drill');
const token = path.join(dir, 'token');
fs.writeFileSync(token, 'sekret\n');

const seen: { authorization?: string; cn?: string }[] = [];
const srv = https.createServer(
  {
    cert: fs.readFileSync(server.cert),
    key: fs.readFileSync(server.key),
    ca: fs.readFileSync(ca.cert),
    requestCert: true,
    rejectUnauthorized: true,
  },
  (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push({ authorization: req.headers.authorization, cn: peer.subject?.CN as string | undefined });
    if (req.headers.authorization !== 'Bearer sekret') {
      res.writeHead(401).end('unauthorized');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        status: 'success',
        data: { yaml: 'global:\n  scrape_interval: 15s\n  scrape_timeout: 10s\n  evaluation_interval: 1m\n' },
      }),
    );
  },
);
await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
t.teardown(() => srv.close());
const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
const secured = { url, caFile: ca.cert, certFile: client.cert, keyFile: client.key, bearerTokenFile: token };

t.test('CA, client certificate and bearer token: the stack answers', async (t) => {
  t.same(await promGlobals(secured), { scrapeIntervalS: 15, scrapeTimeoutS: 10, evaluationIntervalS: 60 });
  t.match(seen.at(-1), { authorization: 'Bearer sekret', cn: 'ha-drill' });
});

t.test('what goes wrong says which endpoint and why', async (t) => {
  await t.rejects(getJson({ ...secured, caFile: other.cert }, 'api/v1/status/config'), {
    name: TargetError.name,
    message: /GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/status\/config: .*certificate/,
  });
  await t.rejects(getJson({ ...secured, bearerTokenFile: undefined }, 'api/v1/status/config'), {
    message: /HTTP 401: unauthorized/,
  });
  await t.rejects(
    getJson(
      { ...secured, insecureSkipVerify: true, caFile: undefined, certFile: undefined, keyFile: undefined },
      'x',
    ),
    {
      message: /GET https:\/\/127\.0\.0\.1:\d+\/x: /,
    },
    'no client certificate: the TLS handshake is refused',
  );
});

t.test('bad options are refused before anything is sent', async (t) => {
  const bad = (o: Parameters<typeof checkEndpoint>[1], message: RegExp) =>
    t.throws(() => checkEndpoint('--prometheus', o), { name: UserError.name, message }, message.source);
  bad({ url: 'prometheus:9090' }, /--prometheus prometheus:9090: use an http:\/\/ or https:\/\/ URL/);
  bad({ url: 'not a url' }, /not a URL; give e\.g\. http:\/\/prometheus\.example:9090/);
  bad({ url, caFile: path.join(dir, 'nope.crt') }, /the CA file .*nope\.crt does not exist/);
  bad({ url, certFile: client.cert }, /give the client certificate and its key together/);
  t.doesNotThrow(() => checkEndpoint('--prometheus', secured));
});
