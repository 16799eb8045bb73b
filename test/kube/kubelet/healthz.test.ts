/**
 * The kubelet's healthz server (src/kube/kubelet/healthz.ts): `GET /healthz` answers `ok` over
 * plain HTTP, anything else 404; port 0 serves nothing; a port in use is logged and retried, and
 * served once free; an abort closes it.
 */
import http from 'node:http';
import net from 'node:net';
import t from 'tap';
import { startHealthz } from '../../../src/kube/kubelet/healthz.ts';

const get = (port: number, p: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, timeout: 2000 }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

t.test('GET /healthz: ok; other paths 404; closed on abort', async (t) => {
  const port = await freePort();
  const ac = new AbortController();
  startHealthz('127.0.0.1', port, () => {}, ac.signal);
  await new Promise((r) => setTimeout(r, 50));
  t.same(await get(port, '/healthz'), { status: 200, body: 'ok' });
  t.equal((await get(port, '/metrics')).status, 404);
  ac.abort();
  await new Promise((r) => setTimeout(r, 50));
  await t.rejects(get(port, '/healthz'), { code: 'ECONNREFUSED' });
});

t.test('port 0: no server', async (t) => {
  const logs: string[] = [];
  startHealthz('127.0.0.1', 0, (m) => logs.push(m), new AbortController().signal);
  t.same(logs, []);
});

t.test('a port in use is logged and retried until it is free', async (t) => {
  const port = await freePort();
  const squatter = net.createServer().listen(port, '127.0.0.1');
  await new Promise((r) => squatter.once('listening', r));
  const logs: string[] = [];
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  startHealthz('127.0.0.1', port, (m) => logs.push(m), ac.signal, 100);
  await new Promise((r) => setTimeout(r, 250));
  t.ok(logs.filter((m) => m === 'Failed to start healthz server').length >= 2, `retried: ${logs.length}`);
  await new Promise<void>((r) => squatter.close(() => r()));
  const deadline = Date.now() + 5000;
  let answer: { status: number } | undefined;
  while (!answer && Date.now() < deadline) {
    answer = await get(port, '/healthz').catch(() => undefined);
    if (!answer) await new Promise((r) => setTimeout(r, 50));
  }
  t.equal(answer?.status, 200, 'served once free');
});
