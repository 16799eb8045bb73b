/**
 * Test helper: the CLIs as a user starts them — `node bin/ha-drill.mjs [lab] ARGS`, the launcher
 * that runs the esbuild bundle (rebuilt first when a source changed) — so tests start no
 * TypeScript compiler, and without tap's NODE_OPTIONS hooks (helpers/env.ts).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { untracked, withoutTapHooks } from './env.ts';

export const LAUNCHER = path.join(PROJECT_ROOT, 'bin', 'ha-drill.mjs');

export type Cli = 'drill' | 'lab';

/** The command line that runs `cli` with `args`. */
export const cliArgv = (cli: Cli, args: readonly string[]): string[] => [
  process.execPath,
  LAUNCHER,
  ...(cli === 'lab' ? ['lab'] : []),
  ...args,
];

/** Starts `cli` (for tests that signal it mid-run); `opts.env` loses tap's hooks (helpers/env.ts). */
export function spawnCli(cli: Cli, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  const [cmd, ...rest] = untracked(cliArgv(cli, args));
  return spawn(cmd, rest, { ...opts, env: withoutTapHooks(opts.env) });
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/**
 * Runs `cli` to the end: exit code (128 when killed by a signal), stdout and stderr. After
 * `timeoutMs` it gets SIGTERM (a drill heals on SIGTERM), and SIGKILL 30 s later.
 */
export function runCli(
  cli: Cli,
  args: readonly string[],
  { timeoutMs = 120_000 }: { timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawnCli(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let timedOut = false;
  let hardKill: NodeJS.Timeout | undefined;
  const softKill = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    hardKill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  }, timeoutMs);
  const stopTimers = () => {
    clearTimeout(softKill);
    clearTimeout(hardKill);
  };
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      stopTimers();
      reject(err);
    });
    child.once('close', (code, signal) => {
      stopTimers();
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, timedOut });
    });
  });
}
