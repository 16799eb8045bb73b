/**
 * Local command runner (root namespace) built on zx, with safe argv quoting and a timeout.
 * Every other local executor (netns, docker) is a prefix on top of this one.
 */
import { $ } from 'zx';
import type { ExecOptions, ExecResult } from './types.ts';

$.verbose = false;

export async function runLocal(
  argv: readonly string[],
  opts: ExecOptions & { host?: string } = {},
): Promise<ExecResult> {
  const started = performance.now();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const p = $({ nothrow: true, quiet: true, timeout: timeoutMs, input: opts.input ?? '' })`${argv}`;
  const out = await p;
  return {
    host: opts.host ?? 'local',
    argv,
    code: out.exitCode ?? (out.signal ? 128 : 1),
    stdout: out.stdout,
    stderr: out.stderr,
    timedOut: out.signal === 'SIGTERM' && performance.now() - started >= timeoutMs - 5,
    durationMs: performance.now() - started,
  };
}
