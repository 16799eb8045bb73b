#!/usr/bin/env node
/**
 * The test suite in two lanes that run at the same time (`npm test`):
 *  - the timed lane at normal priority: `*.etcd.test.ts` (real etcd and our components on
 *    loopback, each file its own etcd and ports; three at a time: they mostly wait on timers and
 *    use about 1.6 cores together: 61–65 s, 77 s two at a time) and beside them, in a tap of their
 *    own, `*.root.test.ts` (scripts run as root in private network, PID and mount namespaces; two
 *    at a time, at normal priority: at nice 19 beside the other lanes, the fsync test's put after
 *    the heal was slower than with the delay; measured on 2026-12-03 with no lab: 61.0 s and
 *    28.4 s one after the other, 67.5 s side by side), then
 *    `*.lab.test.ts` (the real lab, root) one at a time, in groups, a tap each (`labGroups`: the
 *    file that brings the lab up, those that share it, those that need another topology, the one
 *    that takes it down); test/after-all.ts (whatever lab is left goes down) runs only if a
 *    failure left one. Their assertions compare real timers with expected windows, so nothing
 *    else of ours competes with them for the CPU. Tried on 2026-12-03: the etcd and root files
 *    beside the lab files (the lab's drills use 1.2–1.5 cores): 889 s and 863 s for the suite
 *    against 974 s, but on the slower machine of an hour later 1020 s and 1172 s, an etcd file's
 *    5 s wait and the lab files' process starts (a 2 s test file took 32 s) lost to the contention;
 *    a failed suite costs more than the minute and a half it saved;
 *  - the unit lane at the lowest CPU priority (nice 19): every other `*.test.ts` (no root, no lab,
 *    no etcd), run by scripts/run-files.mjs rather than tap's runner (its header says why: 128 s
 *    of CPU and 85 s of wall time became 113–116 s and 61–65 s), two busy files at a time beside two
 *    that mostly wait on real timers and processes (its WAITS_MARKER; three and four in
 *    `npm run test:unit`). It only uses what the
 *    timed lane leaves idle (the lab waits on timers most of the time), so it cannot skew a
 *    measured window.
 * Every test file is a process of its own, and most of a unit file's CPU is that process's start:
 * package.json's tap section leaves out the tap plugins no test uses (chdir, fixture, intercept,
 * mock, node-serialize, snapshot, spawn, stdin, worker: each loaded into every test process, the
 * mock plugin with a module hook of its own; about 0.12 s of CPU per file), and the drill CLI's
 * many bad-input cases run its code in the test's process (test/helpers/drill-in-process.ts).
 * A test that uses a plugin left out does not compile (`tap build` types the Test class).
 * `npm run test:unit` runs the unit lane alone. `node scripts/test.mjs unit|timed` runs the unit
 * lane or the other two.
 * A file's kind is in its name; test/test-kinds.test.ts checks that the names tell the truth.
 * Each tap lane's test processes write tap's processinfo records in a directory of their own
 * (processInfoHome): every tap run empties the project's, and the lanes' taps start at different
 * times.
 * Ends with every failure again (CI keeps only the end of the output; a lane that died without a
 * failing test, with its last lines) and one line `N passed, N failed` (assertions, every lane),
 * and exits non-zero if a lane failed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summaryCounts } from './run-files.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Test files under test/, project-relative, sorted (tap's own order). */
export function testFiles() {
  return readdirSync(path.join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
    .map((f) => `test/${f.split(path.sep).join('/')}`)
    .filter((f) => f.endsWith('.test.ts'))
    .sort();
}

export const isLab = (f) => f.endsWith('.lab.test.ts');
export const isEtcd = (f) => f.endsWith('.etcd.test.ts');
export const isRoot = (f) => f.endsWith('.root.test.ts');

/** The marker of a lab file that starts from no lab and leaves the default one up (`lab up` itself). */
export const FIRST_LAB_MARKER = 'hadrill-test: lab first';
/**
 * The marker of a lab file that leaves the default lab with a cost for the next file: lb-stop's
 * heal gives the VIP back to its first holder (keepalived preempts), and a watch that ran through
 * the backup meanwhile is left on a dead connection until its client's idle timeout (30 s): the
 * next file's workload waited up to 20 s for a kubelet to see its pod. These run after the other
 * default-lab files, just before the other topology's files take that lab down.
 */
export const LATE_LAB_MARKER = 'hadrill-test: lab late';
/** The marker of a lab file that needs a lab other than the default (`lab up --lbs 1`, ...). */
export const OTHER_LAB_MARKER = 'hadrill-test: other lab topology';
/** The marker of the lab file that takes the last lab down (and checks nothing is left). */
export const LAST_LAB_MARKER = 'hadrill-test: lab last';

/**
 * The lab files in the groups npm test runs one after the other, each with a tap of its own (tap
 * sorts the files it is given, so one tap run cannot order them): the files that start from no lab
 * and leave the default one up, the files on the default lab (sharing it), those on the default
 * lab that leave a cost for the next file (LATE_LAB_MARKER), those that need another topology
 * (each takes the default down and brings its own up: run earlier, they would cost the next file
 * a second bring-up of the default), and the one that takes the last lab down. Empty groups are
 * left out.
 */
export function labGroups(files, read = (f) => readFileSync(path.join(ROOT, f), 'utf8')) {
  const kind = (f) => {
    const text = read(f);
    if (text.includes(FIRST_LAB_MARKER)) return 0;
    if (text.includes(LATE_LAB_MARKER)) return 2;
    if (text.includes(OTHER_LAB_MARKER)) return 3;
    if (text.includes(LAST_LAB_MARKER)) return 4;
    return 1;
  };
  const groups = [[], [], [], [], []];
  for (const f of files) groups[kind(f)].push(f);
  return groups.filter((g) => g.length > 0);
}

/**
 * tap's processinfo hook records every module a test process loads, for the coverage report this
 * project disables; in node_modules it reads each module again and parses its source map. This is
 * tap's own exclusion (@tapjs/run's run.js sets it for the test processes) plus node_modules, given
 * with `--test-env`, which tap applies after its own (the `test-env` of package.json's tap section
 * is not read: tap 21 takes it from the command line only).
 */
const PROCESSINFO_EXCLUDE = String.raw`/(^(node|tapmock):|[\\/](\.tap|tap-snapshots|node_modules)[\\/])/`;

/** The lab's Debian packages (src/lab/packages.ts), installed with apt when missing. */
function ensureLabPackages() {
  const code = "const m = await import('./src/lab/packages.ts'); m.ensurePackages();";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return r.status === 0;
}

/**
 * Runs one child of the suite in the project directory; resolves with its exit code and all it
 * printed (echoed as it comes, or `held` for printing at the end), and the summary counts tap
 * printed (0 for a child that is not tap).
 */
function runChild(name, argv, { env, echo }) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks = [];
    const take = (stream, out) =>
      stream.on('data', (b) => {
        chunks.push(b);
        if (echo) out.write(b);
      });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    child.on('close', (code, signal) => {
      const text = Buffer.concat(chunks).toString('utf8');
      const { total, pass, fail } = summaryCounts(text);
      resolve({ name, code: code ?? (signal ? 128 : 1), text, held: !echo, total, pass, fail });
    });
  });
}

/**
 * Where a lane's test processes write their processinfo records: `<home>/.tap/processinfo`.
 * Every tap run removes `<project>/.tap/processinfo` at its start (@tapjs/run run.js, unless
 * `--changed` or a save list), and the lanes run side by side: with one directory, a timed lane's
 * tap starting while the unit lane's test processes wrote their records died with `ENOTEMPTY:
 * rmdir '.tap/processinfo'` before running a file (CI, 2026-12-03). Each lane gets a directory of
 * its own, and no test process writes where a tap removes. A test process takes the directory from
 * `_TAPJS_PROCESSINFO_CWD_` (@tapjs/processinfo register-process-end.js), which `--test-env` sets
 * after tap's own value. The lanes' directories are removed before any lane starts.
 */
export const processInfoHome = (lane) => path.join(ROOT, '.tap', 'lanes', lane);

/** tap's command line for a lane (`home`: processInfoHome's lane name). */
export function laneArgv(files, { jobs, nice, home }) {
  return [
    ...(nice ? ['nice', '-n', '19'] : []),
    path.join(ROOT, 'node_modules', '.bin', 'tap'),
    '--jobs',
    String(jobs),
    '--reporter',
    'tap',
    `--test-env=_TAPJS_PROCESSINFO_EXCLUDE_=${PROCESSINFO_EXCLUDE}`,
    `--test-env=_TAPJS_PROCESSINFO_CWD_=${processInfoHome(home)}`,
    ...files,
  ];
}

/**
 * The unit lane's command line: scripts/run-files.mjs, three busy files at a time beside four that
 * mostly wait (its WAITS_MARKER); beside the timed lane (`nice`), two and two. The unit lane ends
 * long before the lab files there, and the waiting files time real timers and directory reads:
 * seven processes at once beside the lab's drills starved the kubelet's manifest rescan
 * (source.test.ts: lists 1.0–2.4 s apart for a 300 ms period, 2026-12-04), where tap's three at a
 * time had left it enough.
 */
export function unitArgv(files, { nice }) {
  return [
    ...(nice ? ['nice', '-n', '19'] : []),
    process.execPath,
    path.join(ROOT, 'scripts', 'run-files.mjs'),
    '--jobs',
    nice ? '2' : '3',
    '--waiting-jobs',
    nice ? '2' : '4',
    ...files,
  ];
}

/** Runs tap on files; resolves with its exit code and the summary counts it printed. */
function lane(name, files, { jobs, nice, home, env, echo }) {
  return runChild(name, laneArgv(files, { jobs, nice, home }), { env, echo });
}

/** test/after-all.ts run once (the lab's modules loaded through the tests' TypeScript loader). */
const afterAll = () =>
  runChild('lab left up', [process.execPath, '--import=./test/helpers/ts-import.mjs', 'test/after-all.ts'], {
    env: { HADRILL_TEST_KEEP_LAB: '1' },
    echo: true,
  });

/**
 * Every `not ok` of a tap stream with the test file it is in, its parents' names and the first
 * lines of its diagnostic (the YAML block tap prints under it), one string per failure.
 */
export function failureReport(text, diagLines = 16) {
  const lines = text.split('\n');
  const out = [];
  const names = [];
  // failedBelow[k]: a failure was already reported inside the subtest now open at depth k - 1.
  const failedBelow = [];
  for (let i = 0; i < lines.length; i++) {
    const sub = /^(\s*)# Subtest: (.*)$/.exec(lines[i]);
    if (sub) {
      const depth = sub[1].length / 4;
      names.length = depth;
      names[depth] = sub[2];
      failedBelow[depth + 1] = false;
      continue;
    }
    const result = /^(\s*)(not )?ok \d+ - (.*?)(?: # time=.*)?$/.exec(lines[i]);
    if (!result) continue;
    const depth = result[1].length / 4;
    // A parent's `not ok` repeats its failed children: only the innermost are reported.
    const repeat = failedBelow[depth + 1] === true;
    failedBelow[depth + 1] = false;
    if (!result[2]) continue;
    failedBelow[depth] = true;
    if (repeat) continue;
    const diag = [];
    if (lines[i + 1]?.trim() === '---')
      for (const l of lines.slice(i + 1, i + 1 + diagLines)) {
        diag.push(l);
        if (l.trim() === '...') break;
      }
    const path = [...names.slice(0, depth), result[3]].join(' > ');
    out.push(diag.length > 0 ? `${path}\n${diag.join('\n')}` : path);
  }
  return out;
}

/**
 * A lane's failures for the end of the output: each failing test, or, when the lane failed with
 * no failing test (its tap died, as with the ENOTEMPTY of processInfoHome), the last lines it
 * printed, which say why.
 */
export function laneFailures(result, tailLines = 12) {
  const failures = failureReport(result.text);
  if (failures.length === 0 && result.code !== 0) {
    const tail = result.text.trimEnd().split('\n').slice(-tailLines).join('\n');
    failures.push(`exit ${result.code} with no failing test; its last lines:\n${tail}`);
  }
  return failures.map((f) => `# [${result.name}] ${f}`);
}

async function main() {
  const which = process.argv[2] ?? 'all';
  if (!['all', 'unit', 'timed'].includes(which)) {
    console.error(`usage: node scripts/test.mjs [all|unit|timed] (got ${which})`);
    process.exit(2);
  }
  const files = testFiles();
  const unitFiles = files.filter((f) => !isLab(f) && !isEtcd(f) && !isRoot(f));
  const etcdFiles = files.filter(isEtcd);
  const rootFiles = files.filter(isRoot);
  const labFiles = files.filter(isLab);
  const runs = [];
  for (const home of ['timed', 'root']) rmSync(processInfoHome(home), { recursive: true, force: true });
  // Both lanes need Debian's packages (the etcd files etcd, the unit lane promtool, prometheus and
  // alertmanager for the alert rules and the detection probe): install what the lab needs before
  // either starts, as the lab's first `up` would (root: apt; otherwise a message naming the
  // packages, and the suite fails).
  if (!ensureLabPackages()) {
    console.log('# packages: missing (see above); 0 passed, 1 failed');
    process.exit(1);
  }
  if (which !== 'unit') {
    runs.push(
      (async () => {
        // Side by side (the root lane's output held for the end, as the unit lane's).
        const [etcd, root] = await Promise.all([
          lane('timed (etcd)', etcdFiles, { jobs: 3, nice: false, home: 'timed', env: {}, echo: true }),
          lane('timed (root)', rootFiles, { jobs: 2, nice: false, home: 'root', env: {}, echo: false }),
        ]);
        const groups = labGroups(labFiles);
        const lab = [];
        for (const files of groups)
          lab.push(
            await lane(`timed (lab ${lab.length + 1}/${groups.length})`, files, {
              jobs: 1,
              nice: false,
              home: 'timed',
              env: { HADRILL_TEST_KEEP_LAB: '1' },
              echo: true,
            }),
          );
        // The last group takes the lab down (test/lab/down.lab.test.ts); if a failure left one up,
        // test/after-all.ts does. The lab's state file (src/lab/saved.ts, in config.ts defaultStateDir; this
        // script is plain JavaScript: it cannot import the TypeScript that says so).
        if (existsSync(path.join(process.env.HADRILL_LAB_DIR ?? path.join(ROOT, '.lab'), 'lab.json')))
          lab.push(await afterAll());
        return [etcd, root, ...lab];
      })(),
    );
  }
  if (which !== 'timed')
    runs.push(
      runChild('unit', unitArgv(unitFiles, { nice: which === 'all' }), { env: {}, echo: which === 'unit' }),
    );
  const results = (await Promise.all(runs)).flat();
  for (const r of results) {
    // The unit lane's output is held back while the timed lane streams, then printed whole.
    if (r.held) process.stdout.write(r.text);
    console.log(
      `# ${r.name} lane: exit ${r.code}, ${r.pass} of ${r.total} assertions passed, ${r.fail} failed`,
    );
  }
  // CI keeps only the end of the output: the failures again, each under its file, just above the
  // counts.
  const failures = results.flatMap(laneFailures);
  if (failures.length > 0) console.log(`# failures:\n${failures.join('\n')}`);
  const pass = results.reduce((s, r) => s + r.pass, 0);
  const fail = results.reduce((s, r) => s + r.fail, 0);
  const bad = results.filter((r) => r.code !== 0);
  console.log(`${pass} passed, ${fail + (bad.length > 0 && fail === 0 ? bad.length : 0)} failed`);
  process.exit(bad.length > 0 ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
