/**
 * httpGet probes against real local servers: 200–399 success, 4xx/5xx/refused/timeout failure,
 * HTTPS without certificate verification (a self-signed certificate); thresholds on consecutive
 * results as pkg/kubelet/prober/worker.go.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { httpGetProbe, ProbeState } from '../../../../src/kube/kubelet/static/probe.ts';
import { layout } from './helpers.ts';

const handler: http.RequestListener = (req, res) => {
  const code = Number(req.url?.slice(1)) || 200;
  if (code === 999) return; // never answers
  res.writeHead(code, code === 302 ? { Location: '/elsewhere' } : {});
  res.end(req.headers['user-agent']);
};

async function listen(s: http.Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

t.test('HTTP: status ranges, refused, timeout', async (t) => {
  const s = http.createServer(handler);
  const port = await listen(s);
  t.teardown(() => s.close());
  const probe = (p: string, timeoutSeconds = 1) =>
    httpGetProbe({ httpGet: { port, path: p }, timeoutSeconds }, '127.0.0.1');
  t.equal(await probe('/200'), 'success');
  t.equal(await probe('/302'), 'success', 'a redirect is not followed and counts as success (Warning)');
  t.equal(await probe('/399'), 'success');
  t.equal(await probe('/400'), 'failure');
  t.equal(await probe('/503'), 'failure');
  const t0 = Date.now();
  t.equal(await probe('/999', 1), 'failure', 'no answer within timeoutSeconds');
  t.ok(Date.now() - t0 >= 950 && Date.now() - t0 < 2000, `timed out after ${Date.now() - t0} ms`);
  s.close();
  t.equal(await httpGetProbe({ httpGet: { port: 1 } }, '127.0.0.1'), 'failure', 'connection refused');
});

t.test('HTTPS: the certificate is not verified', async (t) => {
  const l = await layout(t);
  const key = path.join(l.base, 'k.pem');
  const crt = path.join(l.base, 'c.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    crt,
    '-days',
    '1',
    '-subj',
    '/CN=not-this-host',
  ]);
  const s = https.createServer({ key: await readFile(key), cert: await readFile(crt) }, handler);
  const port = await listen(s);
  t.teardown(() => s.close());
  t.equal(await httpGetProbe({ httpGet: { port, path: '/200', scheme: 'HTTPS' } }, '127.0.0.1'), 'success');
  t.equal(await httpGetProbe({ httpGet: { port, path: '/500', scheme: 'HTTPS' } }, '127.0.0.1'), 'failure');
  t.equal(
    await httpGetProbe({ httpGet: { port, path: '/200', scheme: 'HTTP' } }, '127.0.0.1'),
    'failure',
    'plain HTTP to a TLS port',
  );
});

t.test('thresholds: consecutive results change the state; initial states', async (t) => {
  const r = new ProbeState('readiness', { failureThreshold: 3, successThreshold: 2 });
  t.equal(r.result, 'failure', 'readiness starts as failure');
  t.equal(r.observe('success'), undefined, '1 success < successThreshold 2');
  t.equal(r.observe('success'), 'success');
  t.equal(r.observe('failure'), undefined);
  t.equal(r.observe('failure'), undefined);
  t.equal(r.observe('success'), undefined, 'a success breaks the failure run');
  t.equal(r.observe('failure'), undefined);
  t.equal(r.observe('failure'), undefined);
  t.equal(r.observe('failure'), 'failure', '3 consecutive failures');
  const l = new ProbeState('liveness', { failureThreshold: 1 });
  t.equal(l.result, 'success', 'liveness starts as success');
  t.equal(l.observe('failure'), 'failure');
  t.equal(new ProbeState('startup', {}).result, 'unknown', 'startup starts unknown');
});
