/**
 * Test helpers for the real lab: bring it up once per test file, always take it down.
 * Lab tests run serially (tap jobs: 1) because the lab owns fixed names and addresses.
 */
import type { Test } from 'tap';
import type { LabConfig } from '../../src/lab/config.ts';
import { down, up } from '../../src/lab/lab.ts';
import { acquireLabLock } from '../../src/lab/lock.ts';

/**
 * Takes the machine's lab lock for this test file (released at teardown), unless a parent
 * process (scripts/with-lab-lock.ts) already holds it for us.
 */
export async function holdLabLock(t: Test): Promise<void> {
  const parent = Number(process.env.HADRILL_LAB_LOCK_HELD);
  const release = await acquireLabLock(15 * 60_000, undefined, parent > 0 ? parent : process.pid);
  if (!(parent > 0)) {
    t.teardown(release);
    // CLIs this test starts (lab up/down, drill) work under our lock.
    process.env.HADRILL_LAB_LOCK_HELD = String(process.pid);
  }
}

export async function labForTest(
  t: Test,
  preset: 'fast' | 'seeds' = 'fast',
  workers = 2,
): Promise<LabConfig> {
  // A lab left by an aborted run (or a developer's) would make results meaningless: start clean.
  await down();
  t.teardown(async () => {
    await down();
  });
  const res = await up({ preset, workers });
  t.comment(`lab up (${preset}) in ${(res.elapsedMs / 1000).toFixed(1)} s`);
  return res.config;
}
