/**
 * Whether a host answers, seen from the harness machine: a bounded loop of TCP connects to the
 * host's address (its ssh port), as one local command, so a drill, its `--dry-run` plan and
 * `drill recover` (which replays journaled commands) all run the same thing. Used by link-down
 * on hosts whose executor session runs over the link it takes down.
 */
import { LOCAL_HOST } from '../executors/types.ts';
import type { Command } from './types.ts';

/**
 * `node -e` program: argv host port until withinS; exit 0 when the state is reached, 1 at the
 * deadline. Reaching `silent` after the host had answered in the same watch, it also prints when
 * the first unanswered attempt of the final streak started (epoch ms): the link went down between
 * the last answer and that moment.
 */
const PROGRAM = `
const net = require('node:net');
const [host, port, until, withinS] = process.argv.slice(1);
const end = Date.now() + Number(withinS) * 1000;
const once = () => new Promise((resolve) => {
  const c = net.connect({ host, port: Number(port) });
  const done = (ok) => { c.destroy(); resolve(ok); };
  c.setTimeout(1000, () => done(false));
  c.once('connect', () => done(true));
  c.once('error', () => done(false));
});
(async () => {
  let streak = 0;
  let answered = false;
  let streakFrom = 0;
  for (;;) {
    const at = Date.now();
    const ok = await once();
    if (ok && until === 'silent') answered = true;
    streak = ok === (until === 'answers') ? streak + 1 : 0;
    if (streak === 1) streakFrom = at;
    // Silence counts after two misses in a row, an answer after one.
    if (streak >= (until === 'answers' ? 1 : 2)) {
      const since = until === 'silent' && answered ? ' (first unanswered attempt at ' + streakFrom + ')' : '';
      console.log(host + ':' + port + (ok ? ' answers' : ' does not answer') + since);
      process.exit(0);
    }
    if (Date.now() >= end) { console.error(host + ':' + port + (until === 'answers' ? ' still does not answer' : ' still answers') + ' after ' + withinS + ' s'); process.exit(1); }
    // Every 100 ms while waiting for silence (the first miss bounds when the link went down).
    await new Promise((r) => setTimeout(r, until === 'silent' ? 100 : 200));
  }
})();
`;

/** The epoch ms a `silent` watch printed as its first unanswered attempt, if it printed one. */
export function firstUnansweredAt(stdout: string): number | undefined {
  const m = /first unanswered attempt at (\d+)\)/.exec(stdout);
  return m ? Number(m[1]) : undefined;
}

export function tcpWaitCommand(
  address: string,
  port: number,
  until: 'answers' | 'silent',
  withinS: number,
): Command {
  return {
    host: LOCAL_HOST,
    argv: [process.execPath, '-e', PROGRAM, address, String(port), until, String(Math.ceil(withinS))],
  };
}
