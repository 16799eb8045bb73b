/**
 * Runs a command while holding the lab lock, so concurrent users of this machine's lab take
 * turns: `npx tsx scripts/with-lab-lock.ts npx tap test/lab/lab.lab.test.ts`.
 */
import { spawn } from 'node:child_process';
import { acquireLabLock } from '../src/lab/lock.ts';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: tsx scripts/with-lab-lock.ts COMMAND [ARGS...]');
  process.exit(2);
}
const release = await acquireLabLock();
const child = spawn(cmd, args, {
  stdio: 'inherit',
  env: { ...process.env, HADRILL_LAB_LOCK_HELD: String(process.pid) },
});
const code: number = await new Promise((r) => child.on('exit', (c, s) => r(c ?? (s ? 128 : 1))));
release();
process.exit(code);
