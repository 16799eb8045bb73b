/**
 * The host-side timers (src/targets/host-expiry.ts), run for real by this machine's sh: an armed
 * timer runs its command after its seconds; a cancelled one never does, and leaves nothing behind,
 * neither its shell nor the sleep it was waiting in.
 */
// hadrill-test: unit waits
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { shellQuote } from '../../src/executors/ssh.ts';
import { armExpiry, cancelExpiry, cancelTimers } from '../../src/targets/host-expiry.ts';
import { pidRunning } from '../helpers/pids.ts';

const sh = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 10_000 });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Arms a timer named uniquely for this test that creates `file` after `afterS`. With `find`, also
 * its shell and the sleep it waits in (looked for until `afterS` - 0.5 s: a test process at nice 19
 * beside the lab's drills once took over a second to see them).
 */
async function armed(t: Test, afterS: number, find = false) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-expiry-'));
  const name = `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const file = path.join(dir, 'ran');
  t.teardown(() => {
    sh(cancelExpiry(name));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const armedAt = performance.now();
  const r = sh(armExpiry(name, afterS, `touch ${shellQuote(file)}`).join('\n'));
  t.equal(r.status, 0, `armed: ${r.stderr}`);
  const notYet = !fs.existsSync(file);
  let timer: number[] = [];
  let sleeps: number[] = [];
  while (find && sleeps.length === 0 && performance.now() - armedAt < (afterS - 0.5) * 1000) {
    timer = pids(sh(`pgrep -f 'hadrill-expir[e]-${name}'`).stdout);
    sleeps = timer.flatMap((p) => pids(sh(`pgrep -P ${p}`).stdout));
    if (sleeps.length === 0) await pause(20);
  }
  return { name, file, timer, sleeps, armedAt, notYet };
}
const pids = (out: string): number[] => out.split('\n').filter(Boolean).map(Number);

t.test('an armed timer runs its command after its seconds', async (t) => {
  const a = await armed(t, 1);
  t.ok(a.notYet, 'not at once');
  for (let i = 0; i < 200 && !fs.existsSync(a.file); i++) await pause(50);
  t.ok(fs.existsSync(a.file), 'ran after its 1 s');
  t.ok(performance.now() - a.armedAt >= 1000, 'not before');
});

t.test('a cancelled timer never runs its command and leaves neither its shell nor its sleep', async (t) => {
  const a = await armed(t, 3, true);
  t.equal(a.timer.length, 1, 'one timer shell');
  t.equal(a.sleeps.length, 1, 'waiting in its sleep');
  const r = sh(cancelExpiry(a.name));
  t.equal(r.status, 0);
  await pause(100);
  t.notOk(a.timer.some(pidRunning), 'the timer shell is gone');
  t.notOk(a.sleeps.some(pidRunning), 'its sleep is gone too (not left an orphan)');
  // Past its 3 s, and then some.
  await pause(Math.max(0, a.armedAt + 3500 - performance.now()));
  t.notOk(fs.existsSync(a.file), 'the command never ran');
});

t.test('cancelling with nothing running succeeds and changes nothing', async (t) => {
  const r = sh(cancelTimers(`'hadrill-expir[e]-none-${process.pid}'`));
  t.equal(r.status, 0);
  t.equal(r.stdout + r.stderr, '');
});
