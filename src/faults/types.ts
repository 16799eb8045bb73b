/**
 * A fault is a value: what it aims at, the exact commands it will run (for --dry-run), `inject`
 * returning proof that it took effect (or saying it did not), and an idempotent `heal`. The runner,
 * not the fault, guarantees that heal runs. Faults act only through the target's executor and
 * host profile, so a heal never needs the Kubernetes API.
 */
import type { CommandError, ExecResult } from '../executors/types.ts';
import type { Action, Command, Target } from '../targets/types.ts';
import type { FaultProof, FaultTarget } from '../timeline/events.ts';

export interface FaultContext {
  readonly target: Target;
  /** The run's clock (ms), for a fault that finds out when it took effect. */
  readonly nowMs?: () => number;
}

export type InjectOutcome =
  | {
      readonly effect: true;
      readonly proof: FaultProof;
      /**
       * When the fault took effect on the run's clock, when it is known to be later than the
       * invoke (the measurements start there; the difference is the inject latency), and how
       * that moment was found.
       */
      readonly effectAt?: { readonly atMs: number; readonly how: string };
    }
  | { readonly effect: false; readonly reason: string };

/** One step of the plan, as `--dry-run` prints it. */
export interface PlanStep {
  readonly step: 'inject' | 'prove' | 'heal' | 'verify-heal';
  readonly host: string;
  readonly argv: readonly string[];
  readonly expect: string;
  /** How long the step may take, s, when it waits on purpose (default: `recover`'s 120 s). */
  readonly timeoutS?: number;
}

/** What a fault takes away, for the blast-radius interlocks (src/safety/interlocks.ts). */
export type Impact =
  | { readonly kind: 'apiserver'; readonly host: string }
  | { readonly kind: 'etcd-member'; readonly host: string }
  | { readonly kind: 'lb'; readonly host: string }
  | { readonly kind: 'host-offline'; readonly host: string }
  | { readonly kind: 'other'; readonly host: string };

export interface Fault {
  /** Fault kind, e.g. `process-kill`, `partition`, `link-down`. */
  readonly name: string;
  readonly aim: FaultTarget;
  /** What it takes away; a whole host off the network takes everything on it. */
  readonly impact?: readonly Impact[];
  /** The scenario knowingly takes the cluster below quorum or fully down (etcd-restore). */
  readonly declaresOutage?: boolean;
  /** What it does, in one line, for the live view and the report. */
  readonly summary: string;
  plan(target: Target): PlanStep[];
  inject(ctx: FaultContext): Promise<InjectOutcome>;
  /** Idempotent: healing a healed (or never injected) fault succeeds. Returns a detail line. */
  heal(ctx: FaultContext): Promise<string>;
}

/** Runs one action through the target's profile and executor; `input`: its stdin (data it reads). */
export async function runAction(
  target: Target,
  action: Action,
  timeoutMs = 30_000,
  input?: string,
): Promise<ExecResult> {
  const cmd = target.profile.command(action);
  return target.executor.exec(cmd.host, cmd.argv, { timeoutMs, ...(input !== undefined ? { input } : {}) });
}

export const commandOf = (target: Target, action: Action): Command => target.profile.command(action);

export function step(target: Target, s: PlanStep['step'], action: Action, expect: string): PlanStep {
  const c = commandOf(target, action);
  return { step: s, host: c.host, argv: c.argv, expect };
}

/**
 * The error of a failed command: its stderr, else the start of its stdout (500 characters) —
 * never stdout when it is the command's data (`stdoutIsData`: e.g. the etcd snapshot's bytes,
 * Secrets included, which would otherwise reach the timeline and the reports).
 */
export function failed(res: ExecResult, what: string, o: { readonly stdoutIsData?: boolean } = {}): Error {
  const why = res.timedOut ? 'timed out' : `exited ${res.code}`;
  const out = o.stdoutIsData
    ? res.stdout
      ? `(its output, ${res.stdout.length} characters of data, is not shown)`
      : ''
    : res.stdout.length > 500
      ? `${res.stdout.slice(0, 500)}… (${res.stdout.length} characters)`
      : res.stdout;
  const err = new Error(`${what} on ${res.host} ${why}: ${(res.stderr || out).trim()}`) as Error & {
    result?: ExecResult;
  };
  err.result = o.stdoutIsData ? { ...res, stdout: '' } : res;
  return err as Error & Partial<CommandError>;
}
