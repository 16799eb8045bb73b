#!/usr/bin/env node
/**
 * The unit lane's runner (scripts/test.mjs; `npm run test:unit`): each test file in a Node process
 * of its own, as `node --enable-source-maps --import=./test/helpers/ts-import.mjs FILE` (the
 * tests' TypeScript loader, what tap's `node-arg` gives it), a few at a time, and one TAP stream
 * in the shape tap's runner prints: each file's own TAP indented under `# Subtest: FILE`, then
 * `ok N - FILE # time=…` (`not ok` with the exit code and the end of its stderr when it failed),
 * the plan and the assertion counts (`# { total: N, pass: N, fail: N }`, summed from each file's
 * own last line of that form: tap prints it at the end of every test process).
 *
 * Why not tap's runner here: it starts every test process with @tapjs/processinfo's import hook
 * (@tapjs/run test-argv.js puts `--import=@tapjs/processinfo/import` in `always`), which records
 * every loaded file for coverage and `--changed`, both unused here. Measured on 2 cores, 2026-12-04:
 * an empty test file costs 0.15 s of CPU run directly and 0.26 s with that hook; tap's runner
 * adds about 0.1 s more per file. The 155 unit files took 128 s of CPU and 85 s of wall time
 * under tap (3 at a time), 113–116 s and 61–65 s this way. The lab, etcd and root lanes keep tap's runner:
 * there a file's process start is nothing beside its drills.
 *
 * Two pools: files carrying WAITS_MARKER (they mostly wait on real timers, processes and sockets:
 * their wall time alone is more than twice their CPU time and over 1 s) run `waitingJobs` at a
 * time, the others `jobs` at a time, side by side: a waiting file then never holds a slot a busy
 * one could use. Within a pool, files start in the order given.
 *
 * Each file gets tap's own timeout (TAP_TIMEOUT, package.json's `tap.timeout`: tap ends the test
 * and prints what was still running; its own alarm ends the process 10 s later), and SIGKILL 30 s
 * after the timeout if it has not ended.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The marker of a unit file that mostly waits (see the header). */
export const WAITS_MARKER = 'hadrill-test: unit waits';

/** tap's timeout for a test file, s (package.json `tap.timeout`). */
export const FILE_TIMEOUT_S = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).tap.timeout;

/** The last top-level `# { total: N, pass: N, fail: N }` of a TAP stream (tap's counts); zeros if none. */
export function summaryCounts(text) {
  const m = [...text.matchAll(/^# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/gm)].at(-1);
  return {
    found: m !== undefined,
    total: Number(m?.[1] ?? 0),
    pass: Number(m?.[2] ?? 0),
    fail: Number(m?.[3] ?? 0),
  };
}

/** Runs one file; resolves with its exit, output and time. */
function runOne(file, timeoutS, killAfterS) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', '--import=./test/helpers/ts-import.mjs', file],
      {
        cwd: ROOT,
        env: { ...process.env, TAP_TIMEOUT: String(timeoutS) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    const kill = setTimeout(() => child.kill('SIGKILL'), (timeoutS + killAfterS) * 1000);
    const done = (code, signal, error) => {
      clearTimeout(kill);
      resolve({
        file,
        code: code ?? (signal ? 128 : 1),
        signal: signal ?? null,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: `${Buffer.concat(err).toString('utf8')}${error ? `${error.message}\n` : ''}`,
        ms: performance.now() - started,
      });
    };
    child.once('error', (e) => done(1, null, e));
    child.once('close', (code, signal) => done(code, signal));
  });
}

/** One file's result as tap's runner prints a test file: its TAP indented under `# Subtest:`. */
export function fileBlock(r, n) {
  const body = r.stdout.replace(/\n$/, '');
  const indented = body === '' ? [] : body.split('\n').map((l) => (l === '' ? '' : `    ${l}`));
  const counts = summaryCounts(r.stdout);
  const ok = r.code === 0 && counts.found && counts.fail === 0;
  const lines = [
    `# Subtest: ${r.file}`,
    ...indented,
    `${ok ? 'ok' : 'not ok'} ${n} - ${r.file} # time=${r.ms.toFixed(0)}ms`,
  ];
  if (!ok) {
    const tail = r.stderr.trimEnd().split('\n').slice(-12);
    lines.push(
      '  ---',
      `  exitCode: ${r.code}`,
      ...(r.signal ? [`  signal: ${r.signal}`] : []),
      ...(counts.found ? [] : ['  summary: none (the process ended before tap printed its counts)']),
      ...(tail.length > 0 && tail[0] !== '' ? ['  stderr: |', ...tail.map((l) => `    ${l}`)] : []),
      '  ...',
    );
  }
  return { text: `${lines.join('\n')}\n`, ok, counts };
}

/**
 * Runs `files` (`waiting`: those in the waiting pool) and writes the stream; resolves with the exit
 * code and the summed counts. A file that failed without counting a failure (it crashed, or was
 * killed) counts one failed assertion, as tap's runner counts it.
 */
export async function runFiles(files, o) {
  const { jobs = 3, waitingJobs = 4, timeoutS = FILE_TIMEOUT_S, killAfterS = 30, waiting = () => false } = o;
  const write = o.write ?? ((s) => process.stdout.write(s));
  const writeErr = o.writeErr ?? ((s) => process.stderr.write(s));
  const started = performance.now();
  const sum = { total: 0, pass: 0, fail: 0 };
  let n = 0;
  let failed = 0;
  const pool = async (list, size) => {
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const r = await runOne(list[next++], timeoutS, killAfterS);
        const b = fileBlock(r, ++n);
        write(b.text);
        if (r.stderr) writeErr(r.stderr);
        sum.total += b.counts.total;
        sum.pass += b.counts.pass;
        sum.fail += b.counts.fail;
        if (!b.ok) {
          failed += 1;
          if (b.counts.fail === 0) {
            sum.total += 1;
            sum.fail += 1;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(size, list.length) }, worker));
  };
  const waits = new Set(files.filter(waiting));
  await Promise.all([
    pool(
      files.filter((f) => !waits.has(f)),
      jobs,
    ),
    pool([...waits], waitingJobs),
  ]);
  write(
    `1..${n}\n# { total: ${sum.total}, pass: ${sum.pass}${sum.fail ? `, fail: ${sum.fail}` : ''} }\n# time=${(performance.now() - started).toFixed(0)}ms\n`,
  );
  return { code: failed > 0 ? 1 : 0, ...sum };
}

/** Whether a test file carries WAITS_MARKER. */
export const waitsMarked = (file) => readFileSync(path.join(ROOT, file), 'utf8').includes(WAITS_MARKER);

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // node scripts/run-files.mjs [--jobs N] [--waiting-jobs N] FILE...
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(name);
    if (i === -1) return def;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < 1) {
      console.error(`${name} takes a whole number of at least 1 (got ${args[i + 1]})`);
      process.exit(2);
    }
    args.splice(i, 2);
    return v;
  };
  const jobs = opt('--jobs', 3);
  const waitingJobs = opt('--waiting-jobs', 4);
  if (args.length === 0) {
    console.error('usage: node scripts/run-files.mjs [--jobs N] [--waiting-jobs N] FILE...');
    process.exit(2);
  }
  const { code } = await runFiles(args, { jobs, waitingJobs, waiting: waitsMarked });
  process.exit(code);
}
