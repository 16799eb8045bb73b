/**
 * The torture test's judgement, pure so it can be checked without a lab: where a killed drill
 * was (from the evidence gathered after the kill), which safety rules the evidence breaks, and
 * which designed strata a set of runs missed.
 */

export const STRATA = ['before-inject', 'fault-in-place', 'after-heal'] as const;
export type Stratum = (typeof STRATA)[number];
/** Where the evidence places the drill at the kill; `injecting`: journaled, no effect seen yet
 * (or healed, not yet marked); `finished`: the drill exited by itself. */
export type Observed = Stratum | 'injecting' | 'finished';

export interface Evidence {
  /** The drill was killed by our SIGKILL (false: it exited by itself). */
  readonly killed: boolean;
  /** This drill's heal-journal entries and their states. */
  readonly journal: readonly ('pending' | 'done')[];
  /** Faults seen on the lab right after the kill (chain, stopped component, expiry timer). */
  readonly inPlace: readonly string[];
  /** Reports this drill wrote, with the heal status each records and its verdict's message. */
  readonly reports: readonly { readonly scenario: string; readonly heal: string; readonly why?: string }[];
  readonly scenario: string;
}

export function classify(e: Evidence): Observed {
  if (!e.killed) return 'finished';
  if (e.journal.length === 0) return 'before-inject';
  if (e.journal.includes('pending')) return e.inPlace.length > 0 ? 'fault-in-place' : 'injecting';
  return 'after-heal';
}

/** Every safety rule the evidence breaks, as a sentence; empty when all hold. */
export function violations(e: Evidence): string[] {
  const out: string[] = [];
  const pending = e.journal.filter((s) => s === 'pending').length;
  if (e.journal.length > 1) out.push(`one drill journaled ${e.journal.length} faults`);
  if (e.inPlace.length > 0 && pending === 0)
    out.push(`a fault is in place without a pending journal entry: ${e.inPlace.join('; ')}`);
  if (e.journal.length > 0 && pending === 0 && e.inPlace.length > 0)
    out.push('the journal entry was marked healed while the fault was still in place');
  for (const r of e.reports) {
    if (r.scenario !== e.scenario)
      out.push(`a report of ${r.scenario} appeared during a ${e.scenario} drill`);
    // A drill that injected nothing (preflight refused: not steady) reports heal 'not-run'.
    const nothingInjected = r.heal === 'not-run' && e.journal.length === 0 && e.inPlace.length === 0;
    if (r.heal !== 'done' && !nothingInjected) out.push(`a report was written with heal status ${r.heal}`);
  }
  if (e.reports.length > 0 && pending > 0)
    out.push('a report was written before the journal entry was healed');
  if (!e.killed && e.reports.length !== 1)
    out.push(`the drill exited by itself with ${e.reports.length} reports (a finished drill writes one)`);
  if (!e.killed && pending > 0) out.push('the drill exited by itself leaving a pending journal entry');
  return out;
}

/** What `drill recover` must say for what the journal left pending. */
export function expectedRecoverLine(pending: number): string {
  return pending > 0
    ? `${pending} of ${pending} pending heal(s) replayed`
    : 'nothing to recover: the heal journal has no pending fault';
}

/** The designed strata no run was observed in. */
export function missingStrata(observed: readonly Observed[]): Stratum[] {
  return STRATA.filter((s) => !observed.includes(s));
}
