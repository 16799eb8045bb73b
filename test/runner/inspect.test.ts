/**
 * The preflight's host command times (src/runner/inspect.ts hostCommandTimes) with a stand-in
 * executor: the first command of each host (which may open its connection) is not counted, the
 * fastest of the next two is; a failing host says why.
 */
import t from 'tap';
import type { ExecResult } from '../../src/executors/types.ts';
import { hostCommandTimes } from '../../src/runner/inspect.ts';
import type { Target } from '../../src/targets/types.ts';

function target(durations: Record<string, number[]>, failing: string[] = []): Target {
  const calls: Record<string, number> = {};
  return {
    topology: { hosts: Object.keys(durations).map((name) => ({ name })) },
    executor: {
      kind: 'ssh',
      hosts: () => Object.keys(durations),
      close: async () => {},
      exec: async (host: string, argv: readonly string[]): Promise<ExecResult> => {
        const i = calls[host] ?? 0;
        calls[host] = i + 1;
        const code = failing.includes(host) ? 255 : 0;
        return {
          host,
          argv,
          code,
          stdout: '',
          stderr: code ? 'ssh: cannot open a session' : '',
          timedOut: false,
          durationMs: durations[host]![i]!,
        };
      },
    },
  } as unknown as Target;
}

t.test('the fastest of two runs after the first', async (t) => {
  const times = await hostCommandTimes(target({ lb1: [3000, 900, 700], cp1: [400, 9, 11] }));
  t.same(times, [
    { host: 'lb1', ok: true, ms: 700 },
    { host: 'cp1', ok: true, ms: 9 },
  ]);
});

t.test('a host whose command fails says why', async (t) => {
  const times = await hostCommandTimes(target({ lb2: [5, 5, 5] }, ['lb2']));
  t.same(times, [{ host: 'lb2', ok: false, why: 'ssh: cannot open a session' }]);
});
