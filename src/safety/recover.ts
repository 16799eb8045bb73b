/**
 * `npm run drill -- recover`: replays every pending heal of the journal through the target's
 * host executor (each step is idempotent), marks it done, then checks steady state. It never
 * needs the Kubernetes API to heal; it only reads it afterwards to verify.
 */
import type { Target } from '../targets/types.ts';
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

/** Replays the heal steps of every pending entry; returns one report per entry. */
export async function replayPending(
  journal: HealJournal,
  open: (ref: TargetRef) => Promise<OpenedRef>,
  log: (line: string) => void = () => {},
): Promise<RecoverReport[]> {
  const reports: RecoverReport[] = [];
  for (const entry of journal.pending()) {
    const lines: string[] = [];
    let ok = true;
    log(`recovering ${entry.scenario}: ${entry.summary} (journal entry ${entry.id} from ${entry.createdAt})`);
    let target: Target | undefined;
    try {
      const opened = await open(entry.target);
      if (opened.kind === 'gone') {
        lines.push(`nothing to heal: ${opened.why}`);
        log(`  nothing to heal: ${opened.why}`);
        journal.done(entry.id, 'target-gone');
        reports.push({ entry, ok: true, lines });
        continue;
      }
      target = opened.target;
      for (const step of entry.heal) {
        const res = await target.executor.exec(step.host, step.argv, {
          timeoutMs: (step.timeoutS ?? DEFAULT_STEP_TIMEOUT_S) * 1000,
        });
        const line = `${step.host}: ${step.argv.join(' ').slice(0, 160)} → exit ${res.code}`;
        lines.push(line);
        log(`  ${line}`);
        if (res.code !== 0) {
          ok = false;
          lines.push(`  ${(res.stderr || res.stdout).trim().slice(0, 400)}`);
          break;
        }
      }
    } catch (err) {
      ok = false;
      lines.push(`cannot reach the target: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await target?.close();
    }
    if (ok) journal.done(entry.id, 'recover');
    reports.push({ entry, ok, lines });
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
    let target: Target | undefined;
    try {
      const opened = await open(entry.target);
      if (opened.kind === 'gone') {
        released += 1;
        journal.lockReleased(entry.id);
        log(`cluster lock of ${entry.lock.holder}: gone with its target (${opened.why})`);
        continue;
      }
      target = opened.target;
      const states = await releaseClusterLock(target.executor, entry.lock);
      const problems = lockProblems(states);
      for (const p of problems) log(`  ${p}`);
      if (states.some((s) => s.status === 'error')) {
        left += 1;
        log(`cluster lock of ${entry.lock.holder} NOT released everywhere: it expires by itself`);
      } else {
        released += 1;
        journal.lockReleased(entry.id);
        log(
          `released the cluster lock of ${entry.lock.holder} (${entry.lock.path} on ${entry.lock.hosts.join(', ')})`,
        );
      }
    } catch (err) {
      left += 1;
      log(
        `cluster lock of ${entry.lock.holder}: cannot reach the target: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      await target?.close();
    }
  }
  return { released, left };
}
