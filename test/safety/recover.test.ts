/**
 * `drill recover`'s replay (src/safety/recover.ts) with a recording executor: every heal step of
 * a pending entry runs in order with its own time limit (a step that waits on purpose, as the
 * link-down heal waiting for the host's own timer, says how long), it stops at the first failure,
 * and the entry is marked done only when every step succeeded.
 */
import path from 'node:path';
import t from 'tap';
import type { ExecOptions, ExecResult, Executor } from '../../src/executors/types.ts';
import { HealJournal } from '../../src/safety/journal.ts';
import { DEFAULT_STEP_TIMEOUT_S, replayPending } from '../../src/safety/recover.ts';
import type { Target } from '../../src/targets/types.ts';
import { testTmp } from '../helpers/temp.ts';

function recordingTarget(codes: Record<string, number>) {
  const calls: { argv: readonly string[]; timeoutMs?: number }[] = [];
  const executor: Executor = {
    kind: 'local',
    hosts: () => ['h1'],
    async exec(host: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
      calls.push({ argv, timeoutMs: opts.timeoutMs });
      const code = codes[argv[0]!] ?? 0;
      return { host, argv, code, stdout: '', stderr: code ? 'failed' : '', timedOut: false, durationMs: 1 };
    },
    async close() {},
  };
  return { calls, target: { executor, close: async () => {} } as unknown as Target };
}

function journalWith(heal: { argv: string[]; timeoutS?: number }[]): HealJournal {
  const j = new HealJournal(path.join(testTmp('recover-'), 'j.jsonl'));
  j.begin({
    id: 'e1',
    scenario: 'lb-stop',
    target: { kind: 'lab', stateDir: '/x' },
    fault: 'link-down',
    summary: 'link of lb1 down',
    heal: heal.map((h) => ({ step: 'heal' as const, host: 'h1', expect: 'x', ...h })),
  });
  return j;
}

t.test('each step runs with its own time limit, else the default', async (t) => {
  const j = journalWith([{ argv: ['wait-for-host'], timeoutS: 370 }, { argv: ['link-up'] }]);
  const { calls, target } = recordingTarget({});
  const [report] = await replayPending(j, async () => ({ kind: 'open', target }));
  t.equal(report?.ok, true);
  t.same(
    calls.map((c) => c.timeoutMs),
    [370_000, DEFAULT_STEP_TIMEOUT_S * 1000],
  );
  t.same(j.pending(), [], 'marked done');
});

t.test('a failing step stops the replay and the entry stays pending', async (t) => {
  const j = journalWith([{ argv: ['first'] }, { argv: ['broken'] }, { argv: ['never'] }]);
  const { calls, target } = recordingTarget({ broken: 1 });
  const [report] = await replayPending(j, async () => ({ kind: 'open', target }));
  t.equal(report?.ok, false);
  t.same(
    calls.map((c) => c.argv[0]),
    ['first', 'broken'],
  );
  t.equal(j.pending().length, 1);
});

t.test('a target gone with its fault (a lab taken down): closed as such, nothing run', async (t) => {
  const j = journalWith([{ argv: ['heal-it'] }]);
  const { calls } = recordingTarget({});
  const logged: string[] = [];
  const [report] = await replayPending(
    j,
    async () => ({ kind: 'gone', why: 'the lab in /x was taken down, and its faults with it' }),
    (l) => logged.push(l),
  );
  t.equal(report?.ok, true);
  t.same(calls, [], 'no heal step ran');
  t.same(j.pending(), [], 'the entry is closed');
  t.equal(j.entries().at(-1)?.healedBy, 'target-gone', 'closed as target-gone, not as healed');
  t.match(logged.join('\n'), /nothing to heal: the lab in \/x was taken down/);
});

t.test('openRef: a lab entry whose lab state was removed (lab down) is gone', async (t) => {
  const { openRef } = await import('../../src/cli/safety.ts');
  const gone = await openRef({ kind: 'lab', stateDir: path.join(testTmp('nolab-'), '.lab') });
  t.equal(gone.kind, 'gone');
});
