/**
 * The --shutdown-send-retry-after gate on a real HTTP server on loopback: before `reject()` every
 * request is served; after it, a new request (on a new or a kept-alive connection) gets 429 with
 * `Retry-After: 5` and `Connection: close`, health paths are still served, a request already in
 * flight completes, and `drained` resolves when it has (a watch is not waited for).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { isLongRunning, RETRY_AFTER_S, retryAfterGate } from '../../../src/kube/apiserver/retry-after.ts';

const gate = retryAfterGate();
let release: (() => void) | undefined;
const server = http.createServer(
  gate.wrap((req, res) => {
    if (req.url === '/slow') {
      release = () => res.end('slow done');
      return;
    }
    res.end(`ok ${req.url}`);
  }),
);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
t.teardown(() => new Promise<void>((r) => server.close(() => r())));
const port = (server.address() as AddressInfo).port;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
t.teardown(() => agent.destroy());

function get(
  path: string,
  keepAlive = false,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, ...(keepAlive ? { agent } : { agent: false }) }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

t.test('served before, 429 with Retry-After after, health exempt, in-flight drained', async (t) => {
  t.equal((await get('/api/v1/namespaces', true)).status, 200, 'kept-alive connection served');
  const slow = get('/slow');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(gate.inFlight(), 1, 'one request in flight');
  gate.reject();
  let drained = false;
  const d = gate.drained(5000).then(() => {
    drained = true;
  });
  for (const keepAlive of [false, true]) {
    const r = await get('/api/v1/namespaces', keepAlive);
    t.equal(r.status, 429, `new request (${keepAlive ? 'kept-alive' : 'new'} connection): 429`);
    t.equal(r.headers['retry-after'], String(RETRY_AFTER_S));
    t.equal(r.headers.connection, 'close');
    t.match(r.body, /The apiserver is shutting down, please try again later\./);
  }
  t.equal((await get('/readyz')).status, 200, '/readyz is exempt');
  t.equal((await get('/metrics')).status, 200, '/metrics is exempt');
  t.notOk(drained, 'not drained while the slow request runs');
  release!();
  t.equal((await slow).body, 'slow done', 'the request in flight completed');
  await d;
  t.ok(drained, 'drained once it completed');
});

t.test('a watch is long-running: never waited for', async (t) => {
  t.ok(
    isLongRunning({
      url: '/api/v1/namespaces/default/endpoints?watch=true&resourceVersion=5',
    } as http.IncomingMessage),
  );
  t.ok(isLongRunning({ url: '/api/v1/watch/namespaces/default/endpoints' } as http.IncomingMessage));
  t.notOk(isLongRunning({ url: '/api/v1/namespaces/default/endpoints?watch=false' } as http.IncomingMessage));
  t.notOk(isLongRunning({ url: '/api/v1/namespaces' } as http.IncomingMessage));
});
