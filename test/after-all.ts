/** tap `after` script: take down the lab the test files shared (under `npm test`). */
import { down } from '../src/lab/lab.ts';
import { acquireLabLock } from '../src/lab/lock.ts';

const release = await acquireLabLock(10 * 60_000);
try {
  const res = await down();
  console.log(
    `# lab down after the suite: ${res.stoppedProcesses} process(es), ${res.removedNetns.length} namespace(s)`,
  );
} finally {
  release();
}
