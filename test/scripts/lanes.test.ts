/**
 * npm test's lanes run side by side, and every tap run removes `<project>/.tap/processinfo` at
 * its start: each lane's test processes write their records in a directory of their own
 * (scripts/test.mjs processInfoHome), through the variable @tapjs/processinfo really reads; a lane
 * that dies without a failing test still says why at the end of the output.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { laneArgv, laneFailures, processInfoHome, unitArgv } from '../../scripts/test.mjs';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

const homeOf = (argv: string[]) =>
  argv
    .find((a) => a.startsWith('--test-env=_TAPJS_PROCESSINFO_CWD_='))
    ?.split('=')
    .slice(2)
    .join('=');

t.test('each tap lane writes its processinfo apart from the other and from where tap removes', async (t) => {
  const root = laneArgv(['test/a.root.test.ts'], { jobs: 2, nice: true, home: 'root' });
  const timed = laneArgv(['test/b.lab.test.ts'], { jobs: 1, nice: false, home: 'timed' });
  t.equal(homeOf(root), processInfoHome('root'));
  t.equal(homeOf(timed), processInfoHome('timed'));
  t.not(homeOf(root), homeOf(timed));
  for (const home of [homeOf(root), homeOf(timed)])
    t.not(home, PROJECT_ROOT, 'not the directory tap empties');
  t.same(root.slice(0, 3), ['nice', '-n', '19']);
  t.equal(root.at(-1), 'test/a.root.test.ts');
  t.equal(timed[0], path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tap'));
});

t.test('the unit lane runs scripts/run-files.mjs, at nice 19 beside the timed lane', async (t) => {
  const all = unitArgv(['test/a.test.ts'], { nice: true });
  t.same(all.slice(0, 4), ['nice', '-n', '19', process.execPath]);
  t.equal(all[4], path.join(PROJECT_ROOT, 'scripts', 'run-files.mjs'));
  t.same(
    all.slice(5),
    ['--jobs', '2', '--waiting-jobs', '2', 'test/a.test.ts'],
    'beside the lab: two and two',
  );
  const alone = unitArgv(['test/a.test.ts'], { nice: false });
  t.equal(alone[0], process.execPath, '`npm run test:unit`: no nice');
  t.same(alone.slice(2), ['--jobs', '3', '--waiting-jobs', '4', 'test/a.test.ts'], 'alone: three and four');
});

t.test('@tapjs/processinfo writes a process record under _TAPJS_PROCESSINFO_CWD_, not the cwd', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-pi-'));
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-pi-cwd-'));
  t.teardown(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(cwd, { recursive: true, force: true });
  });
  // The hook tap puts in front of every test process (@tapjs/run test-argv.js), resolved as it does.
  const hook = import.meta.resolve('@tapjs/processinfo/import');
  const { NODE_OPTIONS: _, ...env } = process.env;
  const r = spawnSync(process.execPath, [`--import=${hook}`, '-e', '0'], {
    cwd,
    env: { ...env, _TAPJS_PROCESSINFO_CWD_: dir },
    encoding: 'utf8',
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(fs.readdirSync(path.join(dir, '.tap', 'processinfo')).filter((f) => f.endsWith('.json')).length, 1);
  t.notOk(fs.existsSync(path.join(cwd, '.tap')), 'nothing in the process cwd');
});

t.test('a lane that failed with no failing test says why from its last lines', async (t) => {
  const died = {
    name: 'timed (lab 2/4)',
    code: 1,
    text: "TAP version 14\nError: ENOTEMPTY: directory not empty, rmdir '/p/.tap/processinfo'\n    at rmdir\n",
  };
  const [report, ...rest] = laneFailures(died, 2);
  t.same(rest, []);
  t.match(report, /^# \[timed \(lab 2\/4\)\] exit 1 with no failing test; its last lines:\n/);
  t.match(report, /ENOTEMPTY/);
  t.notMatch(report, /TAP version/, 'only the last lines');
  t.same(laneFailures({ ...died, code: 0, text: 'ok 1 - x\n' }), [], 'a lane that passed: nothing');
  const failed = {
    name: 'unit',
    code: 1,
    text: '# Subtest: test/a.test.ts\n    not ok 1 - bad\nnot ok 1 - test/a.test.ts\n',
  };
  t.same(laneFailures(failed), ['# [unit] test/a.test.ts > bad'], 'failing tests: those, not the tail');
});
