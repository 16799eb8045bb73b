/**
 * Under `npm test` (HADRILL_TEST_KEEP_LAB=1) test files share one lab and the last lab file
 * (test/lab/down.lab.test.ts) takes it down; when a failure left a lab up anyway, scripts/test.mjs
 * runs this script to take it down. A plain `tap <file>` run tears its own lab down: nothing to do.
 */
import { down } from '../src/lab/lab.ts';
import { acquireLabLock } from '../src/lab/lock.ts';

if (process.env.HADRILL_TEST_KEEP_LAB === '1') {
  const parent = Number(process.env.HADRILL_LAB_LOCK_HELD);
  const release = await acquireLabLock(10 * 60_000, undefined, parent > 0 ? parent : process.pid);
  try {
    const res = await down();
    console.log(
      `# lab down after the suite: ${res.stoppedProcesses} process(es), ${res.removedNetns.length} namespace(s)`,
    );
  } finally {
    if (!(parent > 0)) release();
  }
}
