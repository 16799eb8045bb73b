/**
 * One lab per machine: the lab owns fixed names and addresses, so whoever drives it (a test file,
 * a drill, a developer's script) holds this lock. The lock is a file created exclusively with
 * the holder's pid; a lock whose holder is dead is stale and taken over.
 */
import fs from 'node:fs';
import { sleep } from '../util/time.ts';

export const LAB_LOCK = '/run/ha-drill-lab.lock';

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
 * Removes the lock of a dead holder, and only that one: the lock is first renamed to a name of
 * our own (atomic: of two processes finding the same stale lock only one moves it), then checked.
 * If what was moved is a live holder's fresh lock (it replaced the stale one in between), it is
 * put back.
 */
function removeStale(path: string, dead: number | undefined): void {
  const moved = `${path}.stale.${process.pid}`;
  try {
    fs.renameSync(path, moved);
  } catch {
    return; // already gone
  }
  try {
    const h = holder(moved);
    if (h !== undefined && h !== dead && alive(h)) fs.linkSync(moved, path);
  } catch {
    // another lock appeared meanwhile: it stands
  } finally {
    fs.rmSync(moved, { force: true });
  }
}

/** An unreadable or empty lock is stale only when it is this old (an older version's half-made lock). */
const EMPTY_LOCK_STALE_MS = 10_000;

/** Waits until the lock is ours (or throws after waitMs); returns the release function. */
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
    if (h === pid) return release;
    const stale =
      h === undefined
        ? Date.now() - (fs.statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) > EMPTY_LOCK_STALE_MS
        : !alive(h);
    if (stale) {
      removeStale(path, h);
      continue;
    }
    if (Date.now() >= until)
      throw new Error(
        `the lab is in use by ${h === undefined ? 'a process that is creating its lock' : `pid ${h}`} (lock ${path}); wait for it to finish`,
      );
    await sleep(250);
  }
}
