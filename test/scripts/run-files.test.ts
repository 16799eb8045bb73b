/**
 * The unit lane's runner (scripts/run-files.mjs) on real test files written for the occasion: the
 * TAP it prints is tap's runner's (each file under `# Subtest:`, `ok N - FILE`, the counts
 * line), so scripts/test.mjs reads its counts and failures as it reads a tap lane's; a file that
 * fails, crashes or hangs is `not ok` with why; the waiting pool runs beside the busy one.
 */
// hadrill-test: unit waits (its files wait for each other, and one for tap's 1 s timeout)
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { fileBlock, runFiles, summaryCounts, WAITS_MARKER, waitsMarked } from '../../scripts/run-files.mjs';
import { failureReport, isEtcd, isLab, isRoot, testFiles } from '../../scripts/test.mjs';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

// Under the project, so `import t from 'tap'` resolves as in a real test file.
const dir = fs.mkdtempSync(path.join(PROJECT_ROOT, 'test', '.run-files-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  fs.writeFileSync(path.join(dir, name), text);
  return path.relative(PROJECT_ROOT, path.join(dir, name));
};

const pass = file('pass.ts', "import t from 'tap';\nt.test('two', async (t) => { t.ok(1); t.ok(2); });\n");
const fail = file(
  'fail.ts',
  "import t from 'tap';\nt.test('group', async (t) => { t.ok(1, 'fine'); t.equal(1, 2, 'the failing one'); });\n",
);
const crash = file('crash.ts', "console.error('about to crash');\nthrow new Error('boom at load');\n");
const hang = file(
  'hang.ts',
  "import t from 'tap';\nt.test('forever', () => new Promise(() => setInterval(() => {}, 1000)));\n",
);
// No tap in it: nothing ends it but the runner's SIGKILL.
const stuck = file('stuck.ts', 'setInterval(() => {}, 1000);\n');

/** Runs files and keeps what was written. */
async function run(files: string[], o: Parameters<typeof runFiles>[1] = {}) {
  let out = '';
  let err = '';
  const r = await runFiles(files, {
    ...o,
    write: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  return { ...r, out, err };
}

t.test('passing and failing files: tap runner output, counts summed, exit 1', async (t) => {
  const r = await run([pass, fail], { jobs: 2 });
  t.equal(r.code, 1);
  t.same([r.total, r.pass, r.fail], [4, 3, 1], 'the assertions of both files');
  t.same(summaryCounts(r.out), { found: true, total: 4, pass: 3, fail: 1 }, 'the last line says so');
  t.match(
    r.out,
    new RegExp(`^# Subtest: ${pass}\\n    TAP version 14\\n`, 'm'),
    'the file under its subtest',
  );
  t.match(r.out, new RegExp(`^ok \\d - ${pass} # time=\\d+ms$`, 'm'));
  t.match(r.out, new RegExp(`^not ok \\d - ${fail} # time=\\d+ms$`, 'm'));
  t.match(r.out, /^1\.\.2$/m, 'the plan');
  t.same(
    failureReport(r.out).map((f) => f.split('\n')[0]),
    [`${fail} > group > the failing one`],
    'the failure as scripts/test.mjs reports it: the innermost, under its file',
  );
});

t.test('a crash (no tap counts) is not ok with its exit code and stderr, one failed assertion', async (t) => {
  const r = await run([crash]);
  t.equal(r.code, 1);
  t.same([r.total, r.pass, r.fail], [1, 0, 1]);
  const [report] = failureReport(r.out);
  t.match(report, crash);
  t.match(report, /exitCode: 1/);
  t.match(report, /summary: none/);
  t.match(report, /Error: boom at load/);
  t.match(r.err, /about to crash/, 'stderr passed on');
});

t.test("a hanging test: tap's own timeout ends it and says what still ran", async (t) => {
  // tap prints at its timeout and its own alarm ends the process 10 s later: no SIGKILL needed.
  const r = await run([hang], { timeoutS: 1 });
  t.equal(r.code, 1);
  t.match(failureReport(r.out).join('\n'), /forever/, 'the test that was still running');
});

t.test('a process that does not end: SIGKILL after the timeout and its margin', async (t) => {
  const started = Date.now();
  const r = await run([stuck], { timeoutS: 1, killAfterS: 1 });
  t.equal(r.code, 1);
  t.ok(Date.now() - started < 20_000, `ended after ${Date.now() - started} ms`);
  const [report] = failureReport(r.out);
  t.match(report, /signal: SIGKILL/);
  t.match(report, /summary: none/);
});

t.test('a waiting file runs beside the busy ones, whatever their number', async (t) => {
  // Each waits until the other has started (bounded): one slot for both would end in a timeout.
  const waitFor = (me: string, other: string, mark = '') =>
    file(
      `${me}.ts`,
      `${mark}import fs from 'node:fs';\nimport t from 'tap';\nfs.writeFileSync(${JSON.stringify(path.join(dir, `${me}.started`))}, '');\n` +
        `t.test('sees ${other}', async (t) => {\n  const until = Date.now() + 20_000;\n` +
        `  while (!fs.existsSync(${JSON.stringify(path.join(dir, `${other}.started`))}) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));\n` +
        `  t.ok(fs.existsSync(${JSON.stringify(path.join(dir, `${other}.started`))}));\n});\n`,
    );
  const waiting = waitFor('waiter', 'busy', `// ${WAITS_MARKER}\n`);
  const busy = waitFor('busy', 'waiter');
  const r = await run([busy, waiting], {
    jobs: 1,
    waitingJobs: 1,
    waiting: (f) => fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8').includes(WAITS_MARKER),
  });
  t.equal(r.code, 0, r.out);
  t.same([r.total, r.fail], [2, 0]);
});

t.test('fileBlock: a killed process says its signal', async (t) => {
  const b = fileBlock(
    { file: 'test/x.test.ts', code: 128, signal: 'SIGKILL', stdout: '', stderr: '', ms: 5 },
    3,
  );
  t.notOk(b.ok);
  t.match(
    b.text,
    /^# Subtest: test\/x\.test\.ts\nnot ok 3 - test\/x\.test\.ts # time=5ms\n {2}---\n {2}exitCode: 128\n {2}signal: SIGKILL\n/,
  );
});

t.test('the waiting pool is unit files only: the other lanes run under tap', async (t) => {
  const marked = testFiles().filter(waitsMarked);
  t.ok(marked.length >= 10, `${marked.length} files marked`);
  t.same(
    marked.filter((f) => isLab(f) || isEtcd(f) || isRoot(f)),
    [],
  );
});
