/**
 * terminate() on a real process group (a local shell, no lab): it says when the signal went out,
 * which the lab CLI's stop reports so a fault's effect time is the signal, not the exit after it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';
import { isAlive, terminate } from '../../src/lab/procs.ts';

t.test(
  'terminate: onSignalled once, at the signal, before a graceful exit; never without a process',
  async (t) => {
    // Exits 300 ms after SIGTERM, as a service shutting down cleanly; says when its trap is set (a
    // fixed wait was not enough on a loaded machine: SIGTERM came before the trap and killed it).
    const child = spawn(
      'sh',
      ['-c', 'trap "sleep 0.3; exit 0" TERM; echo ready; while :; do sleep 0.05; done'],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    t.teardown(() => {
      if (child.pid && isAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
    });
    const pid = child.pid!;
    await once(child.stdout!, 'data');
    const signalled: number[] = [];
    const before = performance.now();
    const out = await terminate(pid, { graceMs: 5000, onSignalled: () => signalled.push(performance.now()) });
    const after = performance.now();
    t.equal(out, 'stopped');
    t.equal(signalled.length, 1, 'called once');
    t.ok(
      signalled[0]! - before < 250,
      `at the signal, not after the 300 ms exit: ${Math.round(signalled[0]! - before)} ms after the call`,
    );
    t.ok(after - signalled[0]! >= 250, `the exit came ${Math.round(after - signalled[0]!)} ms after it`);
    t.notOk(isAlive(pid), 'gone');
    // Reaped (a zombie can still be signalled), so nothing is left to signal.
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    t.equal(await terminate(pid, { onSignalled: () => signalled.push(0) }), 'not-running');
    t.equal(signalled.length, 1, 'nothing signalled, not called');
  },
);
