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

/** Waits until the lock is ours (or throws after waitMs); returns the release function. */
export async function acquireLabLock(
  waitMs = 15 * 60_000,
  path = LAB_LOCK,
  pid = process.pid,
): Promise<() => void> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      fs.writeFileSync(path, `${pid}\n`, { flag: 'wx' });
      return () => {
        if (holder(path) === pid) fs.rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const h = holder(path);
    if (h === pid) return () => fs.rmSync(path, { force: true });
    if (h === undefined || !alive(h)) {
      fs.rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= until)
      throw new Error(`the lab is in use by pid ${h} (lock ${path}); wait for it to finish`);
    await sleep(250);
  }
}
