/**
 * `npm run drill -- recover`: replays every pending heal of the journal through the target's
 * host executor (each step is idempotent), marks it done, then checks steady state. It never
 * needs the Kubernetes API to heal; it only reads it afterwards to verify.
 */
import type { Target } from '../targets/types.ts';
import { messageOf } from '../util/errors.ts';
import { lockProblems, releaseClusterLock } from './cluster-lock.ts';
import type { HealJournal, JournalEntry, TargetRef } from './journal.ts';

export interface RecoverReport {
  readonly entry: JournalEntry;
  readonly ok: boolean;
  readonly lines: readonly string[];
}

/**
 * What opening an entry's target gives: the target to heal through, or proof that the whole
 * target is gone with its fault (a lab taken down: its namespaces, processes and rules went
 * with it), so nothing is left to heal and the entry is closed as such.
 */
export type OpenedRef =
  | { readonly kind: 'open'; readonly target: Target }
  | { readonly kind: 'gone'; readonly why: string };

/** A heal step's time limit during replay, unless the step says it waits longer on purpose. */
export const DEFAULT_STEP_TIMEOUT_S = 120;

/**
 * Opens an entry's target and runs `use` through it, closing it after: `gone` when the target
 * went with its fault, `unreachable` when opening it or `use` threw (the message, redacted).
 */
async function throughTarget<T>(
  open: (ref: TargetRef) => Promise<OpenedRef>,
  ref: TargetRef,
  use: (target: Target) => Promise<T>,
): Promise<
  | { readonly kind: 'used'; readonly value: T }
  | { readonly kind: 'gone'; readonly why: string }
  | { readonly kind: 'unreachable'; readonly why: string }
> {
  let target: Target | undefined;
  try {
    const opened = await open(ref);
    if (opened.kind === 'gone') return opened;
    target = opened.target;
    return { kind: 'used', value: await use(target) };
  } catch (err) {
    return { kind: 'unreachable', why: messageOf(err) };
  } finally {
    await target?.close();
  }
}

/** Replays the heal steps of every pending entry; returns one report per entry. */
export async function replayPending(
  journal: HealJournal,
  open: (ref: TargetRef) => Promise<OpenedRef>,
  log: (line: string) => void = () => {},
): Promise<RecoverReport[]> {
  const reports: RecoverReport[] = [];
  for (const entry of journal.pending()) {
    const lines: string[] = [];
    log(`recovering ${entry.scenario}: ${entry.summary} (journal entry ${entry.id} from ${entry.createdAt})`);
    const r = await throughTarget(open, entry.target, async (target) => {
      for (const step of entry.heal) {
        const res = await target.executor.exec(step.host, step.argv, {
          timeoutMs: (step.timeoutS ?? DEFAULT_STEP_TIMEOUT_S) * 1000,
        });
        const line = `${step.host}: ${step.argv.join(' ').slice(0, 160)} → exit ${res.code}`;
        lines.push(line);
        log(`  ${line}`);
        if (res.code !== 0) {
          lines.push(`  ${(res.stderr || res.stdout).trim().slice(0, 400)}`);
          return false;
        }
      }
      return true;
    });
    if (r.kind === 'gone') {
      lines.push(`nothing to heal: ${r.why}`);
      log(`  nothing to heal: ${r.why}`);
      journal.done(entry.id, 'target-gone');
    } else if (r.kind === 'unreachable') lines.push(`cannot reach the target: ${r.why}`);
    else if (r.value) journal.done(entry.id, 'recover');
    reports.push({ entry, ok: r.kind === 'gone' || (r.kind === 'used' && r.value), lines });
  }
  return reports;
}

/**
 * Releases the cluster locks killed drills left (journaled by their token, src/cli/lock.ts):
 * only where the lock is still that token's; an entry is marked released when every host
 * answered. Returns one line per lock.
 */
export async function releaseLeftLocks(
  journal: HealJournal,
  open: (ref: TargetRef) => Promise<OpenedRef>,
  log: (line: string) => void = () => {},
): Promise<{ readonly released: number; readonly left: number }> {
  let released = 0;
  let left = 0;
  for (const entry of journal.heldLocks()) {
    const r = await throughTarget(open, entry.target, (target) =>
      releaseClusterLock(target.executor, entry.lock),
    );
    if (r.kind === 'gone') {
      released += 1;
      journal.lockReleased(entry.id);
      log(`cluster lock of ${entry.lock.holder}: gone with its target (${r.why})`);
    } else if (r.kind === 'unreachable') {
      left += 1;
      log(`cluster lock of ${entry.lock.holder}: cannot reach the target: ${r.why}`);
    } else {
      for (const p of lockProblems(r.value)) log(`  ${p}`);
      if (r.value.some((s) => s.status === 'error')) {
        left += 1;
        log(`cluster lock of ${entry.lock.holder} NOT released everywhere: it expires by itself`);
      } else {
        released += 1;
        journal.lockReleased(entry.id);
        log(
          `released the cluster lock of ${entry.lock.holder} (${entry.lock.path} on ${entry.lock.hosts.join(', ')})`,
        );
      }
    }
  }
  return { released, left };
}
