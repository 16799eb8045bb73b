/**
 * The two kinds of error (BRIEF §7.8): a user error (bad config or input; the message says what to
 * fix; exit 2) and a target error (the cluster or lab is unreachable or unhealthy; exit 3).
 * Operation results (a command's exit code, stdout, stderr) are values, see executors/types.ts.
 */
import { redactString } from './redact.ts';

export class UserError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A dry run that cannot choose a scenario's aim without the running cluster (the etcd leader, the
 * VIP holder, a lease holder): the scenario's flag names it. Bad input for one scenario; in an
 * `all` plan, that scenario is listed as not planned and the others are planned.
 */
export class LiveAimError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'LiveAimError';
  }
}

export class TargetError extends Error {
  readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

/** Exit code for any error: 2 for user errors, 3 for target errors, 1 otherwise. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UserError || err instanceof TargetError) return err.exitCode;
  // Other modules' input errors (e.g. SloInputError) carry their own exit code.
  const code = (err as { exitCode?: unknown } | null)?.exitCode;
  if (code === 2 || code === 3) return code;
  // node:util parseArgs rejects unknown or malformed flags: bad input.
  if ((err as NodeJS.ErrnoException | null)?.code?.startsWith?.('ERR_PARSE_ARGS')) return 2;
  return 1;
}

/** An error's message for the user, secrets redacted (it may quote a command or a file). */
export function messageOf(err: unknown): string {
  return redactString(err instanceof Error ? err.message : String(err));
}
