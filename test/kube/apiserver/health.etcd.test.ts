/** /readyz, /livez, /healthz and the etcd check: a stopped etcd member makes readyz fail within ~2-3 s. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import t from 'tap';
import { bundleFile, ensureBundles } from '../../../src/util/bundle.mjs';
import { PROJECT_ROOT } from '../../../src/util/paths.ts';
import { startTestApiserver } from '../../helpers/apiserver.ts';

const api = await startTestApiserver(t);
const ca = readFileSync(api.caFile);

function get(p: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve) => {
    const req = https.get(`${api.url}${p}`, { ca, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => resolve({ code: -1, body: e.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

t.test('health endpoints answer by status code, verbose lists checks', async (t) => {
  for (const p of ['/livez', '/readyz', '/healthz']) {
    const r = await get(p);
    t.equal(r.code, 200, p);
    t.equal(r.body, 'ok');
  }
  const v = await get('/readyz?verbose');
  t.match(v.body, /\[\+\]ping ok/);
  t.match(v.body, /\[\+\]etcd ok/);
  t.match(v.body, /\[\+\]shutdown ok/);
  t.match(v.body, /readyz check passed/);
  t.equal((await get('/readyz/etcd')).code, 200);
  t.equal((await get('/readyz/nonsense')).code, 404);
  t.match((await get('/livez?verbose&exclude=etcd')).body, /\[\+\]etcd excluded: ok/);
});

t.test('readyz fails within ~2-3 s of etcd freezing (SIGSTOP), recovers on SIGCONT', async (t) => {
  const pid = api.etcd.proc.pid!;
  process.kill(pid, 'SIGSTOP');
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {}
  });
  const stoppedAt = Date.now();
  let failedAfter = -1;
  let body = '';
  while (Date.now() - stoppedAt < 6000) {
    const r = await get('/readyz?verbose');
    if (r.code === 500) {
      failedAfter = Date.now() - stoppedAt;
      body = r.body;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(failedAfter >= 0 && failedAfter <= 3500, `readyz failed after ${failedAfter} ms`);
  t.match(body, /\[-\]etcd failed: reason withheld/);
  t.match(body, /readyz check failed/);
  t.equal((await get('/livez')).code, 500, 'livez includes the etcd check');
  process.kill(pid, 'SIGCONT');
  const resumedAt = Date.now();
  let okAfter = -1;
  while (Date.now() - resumedAt < 5000) {
    if ((await get('/readyz')).code === 200) {
      okAfter = Date.now() - resumedAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(okAfter >= 0 && okAfter < 3000, `readyz recovered after ${okAfter} ms`);
});

t.test('readyz fails at once when etcd is killed, recovers soon after it restarts', async (t) => {
  await api.etcd.kill();
  const killedAt = Date.now();
  let code = 0;
  while (Date.now() - killedAt < 4000) {
    code = (await get('/readyz')).code;
    if (code === 500) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(code, 500);
  t.ok(Date.now() - killedAt < 3000, `${Date.now() - killedAt} ms`);
  const list = await api.kubectl(['get', 'ns', '--request-timeout=5s']);
  t.not(list.code, 0, 'API calls fail without etcd');
  await new Promise((r) => setTimeout(r, 4000)); // let the client's reconnect backoff grow
  await api.etcd.restart();
  const restartedAt = Date.now();
  while (Date.now() - restartedAt < 5000 && (await get('/readyz')).code !== 200) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const took = Date.now() - restartedAt;
  t.ok(took < 2500, `readyz back ${took} ms after etcd answered again`);
  t.equal((await api.kubectl(['get', 'ns', 'default', '-o', 'name'])).stdout.trim(), 'namespace/default');
});

t.test('a bad flag exits 2 with a message naming it; --help prints the flags and exits 0', async (t) => {
  await ensureBundles(PROJECT_ROOT);
  const main = bundleFile(PROJECT_ROOT, 'kube-apiserver');
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [main, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  const base = [
    '--etcd-servers=http://127.0.0.1:1',
    '--tls-cert-file=x',
    '--tls-private-key-file=y',
    '--bind-address=127.0.0.1',
  ];
  const [unknown, dur, type, missing, help] = await Promise.all([
    run([...base, '--no-such-flag=1']),
    run([...base, '--shutdown-delay-duration=5 parsecs']),
    run([...base, '--endpoint-reconciler-type=master-count']),
    run(['--bind-address=127.0.0.1']),
    run(['--help']),
  ]);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /--no-such-flag/);
  t.equal(dur.code, 2);
  t.match(dur.stderr, /--shutdown-delay-duration/);
  t.equal(type.code, 2);
  t.match(type.stderr, /--endpoint-reconciler-type/);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--etcd-servers is required/);
  t.equal(help.code, 0);
  t.match(help.stdout, /^usage: apiserver \[flags\]\n/);
  t.match(help.stdout, /--master-lease-ttl \(duration, default 15s\)\n\s+lab-only: TTL/);
});
