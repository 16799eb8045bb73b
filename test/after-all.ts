/**
 * tap `after` script: under `npm test` (HADRILL_TEST_KEEP_LAB=1) test files share one lab; take
 * it down once the suite is over. A plain `tap <file>` run tears its own lab down: nothing to do.
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
