/**
 * One lab per machine: the lab owns fixed names and addresses, so whoever drives it (a test file,
 * a drill, a developer's script) holds this lock. The lock is a file created exclusively with
 * the holder's pid; a lock whose holder is dead is stale and taken over.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { sleep } from '../util/time.ts';

export const LAB_LOCK = '/run/ha-drill-lab.lock';

/** An unreadable or empty lock is stale only when it is this old (an older version's half-made lock). */
const EMPTY_LOCK_STALE_MS = 10_000;

function holder(path: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the lock with its content in one step: the pid is written to a private file first,
 * which is then hard-linked into place (link fails if the lock exists). A plain exclusive create
 * would show other processes an empty lock between the create and the write, which they took for
 * a stale one.
 */
function tryCreate(path: string, pid: number): boolean {
  const tmp = `${path}.${pid}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${pid}\n`);
  try {
    fs.linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Runs `fn` while holding an exclusive flock(2) on `file`, through util-linux's flock(1) (Debian:
 * essential), which holds it as long as its child runs: the child is `cat`, reading our pipe, so
 * the kernel releases the lock when we close it, or when we die, whatever kills us. Node has no
 * flock of its own.
 */
async function withFlock<T>(file: string, fn: () => T): Promise<T> {
  // stdin, stdout and stderr are pipes (spawn's default).
  const c = spawn('flock', [
    '--exclusive',
    '--timeout',
    '10',
    file,
    'sh',
    '-c',
    'echo held; exec cat >/dev/null',
  ]);
  let err = '';
  c.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number>((r) => c.once('close', (code) => r(code ?? 1)));
  const held = await new Promise<boolean>((resolve) => {
    c.once('error', () => resolve(false));
    c.stdout!.setEncoding('utf8').once('data', () => resolve(true));
    void exited.then(() => resolve(false));
  });
  if (!held) {
    await exited; // 'close' follows a failed spawn too
    throw new Error(
      `could not take ${file} with flock(1) (util-linux): ${err.trim() || 'flock did not start'}`,
    );
  }
  try {
    return fn();
  } finally {
    c.stdin!.end();
    await exited;
  }
}

/**
 * Why the lock at `path` is stale, judged on the file as it is now: its holder is dead, or it is
 * empty or unreadable and old (an older version's half-made lock). A lock that is stale by these
 * rules is stale whatever happened before, so checking and removing it under one mutex is atomic.
 */
function staleNow(path: string): boolean {
  const st = fs.statSync(path, { throwIfNoEntry: false });
  if (!st) return false;
  const h = holder(path);
  return h === undefined ? Date.now() - st.mtimeMs > EMPTY_LOCK_STALE_MS : !alive(h);
}

/**
 * Removes a stale lock. Removers take turns through a flock on `<lock>.takeover` and re-judge
 * the lock under it, so a remover that saw the stale lock late never removes the fresh lock that
 * replaced it (creators only ever link a new lock where none is, never touch an existing one).
 * The version before this renamed the lock away to inspect it and put a live one back: between
 * the two, a third process found no lock and created one, and two processes held the lab
 * (test/lab/lock.test.ts's race saw it in CI).
 */
async function removeStale(path: string): Promise<void> {
  await withFlock(`${path}.takeover`, () => {
    if (staleNow(path)) fs.rmSync(path, { force: true });
  });
}

/**
 * Waits until the lock is ours (or throws after waitMs); returns the release function. `pid` is
 * the holder the lock names: a CLI started under a holder's lock (HADRILL_LAB_LOCK_HELD) asks for
 * its parent's pid, finds the lock already its parent's, and gets a release that leaves it alone
 * (the parent releases it when it is done).
 */
export async function acquireLabLock(
  waitMs = 15 * 60_000,
  path = LAB_LOCK,
  pid = process.pid,
): Promise<() => void> {
  const until = Date.now() + waitMs;
  const release = () => {
    if (holder(path) === pid) fs.rmSync(path, { force: true });
  };
  for (;;) {
    if (tryCreate(path, pid)) return release;
    const h = holder(path);
    if (h === pid) return () => {};
    if (!fs.existsSync(path)) continue; // released meanwhile
    if (staleNow(path)) {
      await removeStale(path);
      continue;
    }
    if (Date.now() >= until)
      throw new Error(
        `the lab is in use by ${h === undefined ? 'a process that is creating its lock' : `pid ${h}`} (lock ${path}); wait for it to finish`,
      );
    await sleep(250);
  }
}
