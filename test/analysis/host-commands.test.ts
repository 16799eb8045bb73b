/**
 * Host command times as findings (src/analysis/host-commands.ts): a warning per host at 500 ms
 * or more, saying what it does to the drill and what to fix; nothing for fast or unreached hosts.
 */
import t from 'tap';
import { hostCommandFindings, SLOW_HOST_COMMAND_MS } from '../../src/analysis/host-commands.ts';

t.test('a slow host gets a warning; fast and unreached hosts none', async (t) => {
  const f = hostCommandFindings(
    [
      { host: 'cp1', ok: true, ms: 12 },
      { host: 'lb1', ok: true, ms: 1240 },
      { host: 'lb2', ok: true, ms: SLOW_HOST_COMMAND_MS - 1 },
      { host: 'cp2', ok: true, ms: SLOW_HOST_COMMAND_MS },
      { host: 'cp3', ok: false, why: 'no connection within 10000 ms' },
    ],
    'ssh',
  );
  t.same(
    f.map((x) => [x.id, x.severity]),
    [
      ['slow-host-command:lb1', 'warning'],
      ['slow-host-command:cp2', 'warning'],
    ],
  );
  t.match(f[0]!.message, /^lb1: a trivial command takes 1\.24 s through the ssh executor/);
  t.match(f[0]!.message, /VIP\s+holder read \(1 s timeout\)/);
  t.match(f[0]!.message, /~\/\.bashrc/);
});
