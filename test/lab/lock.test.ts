/**
 * The lab lock (src/lab/lock.ts) on a lock file of the test's own: one holder at a time, a dead
 * holder's lock taken over, a lock being created (empty) never mistaken for a stale one, and of
 * many processes racing for a stale lock exactly one wins.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { acquireLabLock } from '../../src/lab/lock.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { untracked, withoutTapHooks } from '../helpers/env.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadr-lock-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const lockFile = () => path.join(dir, `lab-${++n}.lock`);

/** A pid no process has: a child that has exited. */
async function deadPid(): Promise<number> {
  const c = spawn('true');
  await new Promise((r) => c.once('exit', r));
  return c.pid!;
}

t.test('one holder; the release frees it; the holder may take it again', async (t) => {
  const f = lockFile();
  const release = await acquireLabLock(1000, f, process.pid);
  t.equal(fs.readFileSync(f, 'utf8'), `${process.pid}\n`, 'the lock names its holder');
  const other = await acquireLabLock(300, f, 1).catch((e: Error) => e);
  t.match(other, { message: new RegExp(`in use by pid ${process.pid} \\(lock ${f}\\)`) });
  release();
  t.notOk(fs.existsSync(f), 'released');
  t.equal(fs.readdirSync(dir).filter((x) => x.includes('.tmp')).length, 0, 'no leftovers');
});

t.test("a CLI under its parent's lock gets a release that leaves the parent's lock alone", async (t) => {
  const f = lockFile();
  const release = await acquireLabLock(1000, f, process.pid);
  const child = await acquireLabLock(300, f, process.pid);
  child();
  t.equal(fs.readFileSync(f, 'utf8'), `${process.pid}\n`, "still the parent's after the child's release");
  release();
  t.notOk(fs.existsSync(f), "the parent's release frees it");
});

t.test("a dead holder's lock is taken over", async (t) => {
  const f = lockFile();
  fs.writeFileSync(f, `${await deadPid()}\n`);
  const release = await acquireLabLock(1000, f, process.pid);
  t.equal(fs.readFileSync(f, 'utf8'), `${process.pid}\n`);
  release();
});

t.test('an empty lock is one being created: not stale until it is 10 s old', async (t) => {
  const f = lockFile();
  fs.writeFileSync(f, '');
  const e = await acquireLabLock(500, f, process.pid).catch((x: Error) => x);
  t.match(e, { message: /in use by a process that is creating its lock/ }, 'waited, did not take it');
  t.equal(fs.readFileSync(f, 'utf8'), '', 'left alone');
  const old = (Date.now() - 20_000) / 1000;
  fs.utimesSync(f, old, old);
  const release = await acquireLabLock(1000, f, process.pid);
  t.equal(fs.readFileSync(f, 'utf8'), `${process.pid}\n`, 'an old empty lock is taken over');
  release();
});

t.test('eight processes race for a stale lock: exactly one holds it', async (t) => {
  const f = lockFile();
  fs.writeFileSync(f, `${await deadPid()}\n`);
  const go = `${f}.go`;
  const done = `${f}.done`;
  // Each child says it is ready, waits for the start signal (all race at once, however slowly
  // they started), tries once (no waiting), says what it got, and a winner holds the lock until
  // everybody has answered.
  const program = `
    const fs = await import('node:fs');
    const { acquireLabLock } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'src/lab/lock.ts'))});
    const until = async (file) => { while (!fs.existsSync(file)) await new Promise((r) => setTimeout(r, 2)); };
    console.log('ready');
    await until(${JSON.stringify(go)});
    let release;
    try { release = await acquireLabLock(0, ${JSON.stringify(f)}, process.pid); console.log('got'); }
    catch { console.log('busy'); }
    if (release) { await until(${JSON.stringify(done)}); release(); }`;
  const loader = path.join(PROJECT_ROOT, 'test/helpers/ts-import.mjs');
  let ready = 0;
  let answered = 0;
  const answers: string[] = [];
  const runs = Array.from({ length: 8 }, () => {
    const [cmd, ...args] = untracked([
      process.execPath,
      '--import',
      loader,
      '--input-type=module',
      '-e',
      program,
    ]);
    const c = spawn(cmd, args, { env: withoutTapHooks(), stdio: ['ignore', 'pipe', 'inherit'] });
    c.stdout!.setEncoding('utf8').on('data', (d: string) => {
      for (const line of d.split('\n').filter(Boolean)) {
        if (line === 'ready' && ++ready === 8) fs.writeFileSync(go, '');
        if (line === 'got' || line === 'busy') {
          answers.push(line);
          if (++answered === 8) fs.writeFileSync(done, '');
        }
      }
    });
    return new Promise<void>((r) => c.once('exit', () => r()));
  });
  await Promise.all(runs);
  t.equal(answers.filter((r) => r === 'got').length, 1, `one winner (${answers.join(', ')})`);
  t.equal(answers.filter((r) => r === 'busy').length, 7, 'the others saw it held');
});
