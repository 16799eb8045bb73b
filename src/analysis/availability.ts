/**
 * API availability through the LB, from `api.request` samples (atMs = send time):
 *
 * - recovery (`recoveryMs`, the sustained-success rule): the first sample of a sustained success
 *   window — consecutive successful samples, no probe gap (a pause > `maxProbeGapMs`) between
 *   them, spanning at least `sustainedSuccessMs` — that starts at or after the first failure
 *   following the fault (or the first sample after the fault if nothing failed). The runner stops
 *   observing by the same function, so it never stops while RTO would still be a lower bound.
 * - lb_failover_s = recovery − first failure after the fault (0 when nothing failed).
 * - rto_s = recovery − fault invoke.
 * - api_outage_s = Σ failure runs, each from its first failed sample to the next successful one.
 * A missing end is reported as a lower bound; gaps are named in the detail.
 */
import { type EventOf, eventsOf, type TimelineEvent } from '../timeline/events.ts';
import { atS } from './format.ts';
import { DEFAULT_MAX_GAP_MS, DEFAULT_SUSTAINED_MS, type Observation, type SustainedRule } from './types.ts';

type Sample = EventOf<'api.request'>;

export interface AvailabilityOptions extends SustainedRule {
  readonly faultMs: number;
  /**
   * When the drill's heal began. An outage still running then (failing without a break for at
   * least the sustained-success window) ended by the heal's doing, not the cluster's: the samples
   * from then on are left out and it is reported as a lower bound ("back only with the heal": a
   * single LB, or a failover that did not happen within the observation), never as an outage that
   * ended by itself when the drill ended it.
   */
  readonly healMs?: number;
}

export interface AvailabilitySummary {
  readonly samples: number;
  readonly firstFailureMs: number | null;
  readonly recoveryMs: number | null;
  readonly lastSampleMs: number | null;
  readonly outageMs: number;
  /** Outage ran until the end of observation (or the heal). */
  readonly outageOpen: boolean;
  /** The heal began while it still ran (the samples end there). */
  readonly openAtHeal: boolean;
  readonly failureRuns: number;
  readonly gaps: readonly { readonly fromMs: number; readonly toMs: number }[];
}

export function lbSamples(
  events: readonly TimelineEvent[],
  connection: 'new' | 'keepalive' = 'new',
): Sample[] {
  return eventsOf(events, 'api.request')
    .filter((e) => e.target === 'lb' && e.connection === connection)
    .sort((a, b) => a.atMs - b.atMs);
}

/**
 * The last samples fail without a break from `sinceMs` on (a failure run at least that old still
 * running): an outage, not one failed request among successes (cert-expiry's refused handshakes).
 */
function failingSince(samples: readonly Sample[], sinceMs: number): boolean {
  if (samples.length === 0 || samples.at(-1)!.ok) return false;
  let i = samples.length - 1;
  while (i > 0 && !samples[i - 1]!.ok) i--;
  return samples[i]!.atMs <= sinceMs;
}

export function summarizeAvailability(
  events: readonly TimelineEvent[],
  o: AvailabilityOptions,
): AvailabilitySummary {
  const sustain = o.sustainedSuccessMs ?? DEFAULT_SUSTAINED_MS;
  const maxGap = o.maxProbeGapMs ?? DEFAULT_MAX_GAP_MS;
  const after = lbSamples(events, o.connection).filter((s) => s.atMs >= o.faultMs);
  // Failing when the heal began: what follows is the heal's doing. Otherwise every sample counts
  // (a failure run the heal causes, a VIP going back to its MASTER, is part of the drill's cost).
  const beforeHeal = o.healMs === undefined ? after : after.filter((s) => s.atMs < o.healMs!);
  const openAtHeal = o.healMs !== undefined && failingSince(beforeHeal, o.healMs - sustain);
  const post = openAtHeal ? beforeHeal : after;
  const gaps: { fromMs: number; toMs: number }[] = [];
  for (let i = 1; i < post.length; i++) {
    if (post[i]!.atMs - post[i - 1]!.atMs > maxGap)
      gaps.push({ fromMs: post[i - 1]!.atMs, toMs: post[i]!.atMs });
  }
  const firstFailIdx = post.findIndex((s) => !s.ok);
  const recoveryIdx = recoveryIndex(post, sustain, maxGap);
  let outageMs = 0;
  let outageOpen = false;
  let runs = 0;
  for (let i = 0; i < post.length; i++) {
    if (post[i]!.ok) continue;
    runs++;
    let j = i;
    while (j < post.length && !post[j]!.ok) j++;
    if (j < post.length) outageMs += post[j]!.atMs - post[i]!.atMs;
    else {
      outageMs += post[j - 1]!.atMs - post[i]!.atMs;
      outageOpen = true;
    }
    i = j;
  }
  return {
    samples: post.length,
    firstFailureMs: firstFailIdx < 0 ? null : post[firstFailIdx]!.atMs,
    recoveryMs: recoveryIdx < 0 ? null : post[recoveryIdx]!.atMs,
    lastSampleMs: post.length ? post[post.length - 1]!.atMs : null,
    outageMs,
    outageOpen,
    openAtHeal,
    failureRuns: runs,
    gaps,
  };
}

/**
 * The sustained-success rule on the timeline so far: the atMs of the sample opening the first
 * sustained success window after `fromMs` (see the top of this file), or null when there is none
 * yet. Samples of one probe variant arrive in order (one request in flight), so once this returns
 * a time, later samples never change it.
 */
export function recoveryMs(
  events: readonly TimelineEvent[],
  fromMs: number,
  rule: SustainedRule = {},
): number | null {
  const post = lbSamples(events, rule.connection).filter((s) => s.atMs >= fromMs);
  const i = recoveryIndex(
    post,
    rule.sustainedSuccessMs ?? DEFAULT_SUSTAINED_MS,
    rule.maxProbeGapMs ?? DEFAULT_MAX_GAP_MS,
  );
  return i < 0 ? null : post[i]!.atMs;
}

/** The rule on samples already cut at the start: searched from the first failure (or the start). */
function recoveryIndex(post: readonly Sample[], sustainMs: number, maxGapMs: number): number {
  return findSustained(
    post,
    Math.max(
      0,
      post.findIndex((s) => !s.ok),
    ),
    sustainMs,
    maxGapMs,
  );
}

/** Index of the first sample (from `start`) opening a run of successes lasting ≥ sustainMs. */
function findSustained(s: readonly Sample[], start: number, sustainMs: number, maxGapMs: number): number {
  let runStart = -1;
  for (let i = start; i < s.length; i++) {
    const cur = s[i]!;
    if (!cur.ok) {
      runStart = -1;
      continue;
    }
    if (runStart >= 0 && cur.atMs - s[i - 1]!.atMs > maxGapMs) runStart = -1;
    if (runStart < 0) runStart = i;
    if (cur.atMs - s[runStart]!.atMs >= sustainMs) return runStart;
  }
  return -1;
}

function gapNote(a: AvailabilitySummary): string {
  return a.gaps.length ? `; ${a.gaps.length} probe gap(s), longest ${longest(a) / 1000} s` : '';
}

function longest(a: AvailabilitySummary): number {
  return Math.max(0, ...a.gaps.map((g) => g.toMs - g.fromMs));
}

export function lbFailover(a: AvailabilitySummary): Observation {
  if (a.samples === 0) return { value: null, detail: 'no probe samples through the LB after the fault' };
  if (a.firstFailureMs === null) {
    return {
      value: 0,
      detail: `no failed request through the LB after the fault (${a.samples} samples)${gapNote(a)}`,
    };
  }
  if (a.recoveryMs === null) {
    return {
      value: (a.lastSampleMs! - a.firstFailureMs) / 1000,
      lowerBound: true,
      detail: `first failure at ${atS(a.firstFailureMs)}, no sustained success window before the end of observation${gapNote(a)}`,
    };
  }
  return {
    value: (a.recoveryMs - a.firstFailureMs) / 1000,
    detail: `first failure at ${atS(a.firstFailureMs)}, sustained success from ${atS(a.recoveryMs)}; ${a.failureRuns} failure run(s)${gapNote(a)}`,
  };
}

export function rto(a: AvailabilitySummary, faultMs: number): Observation {
  if (a.samples === 0) return { value: null, detail: 'no probe samples through the LB after the fault' };
  if (a.recoveryMs === null) {
    return {
      value: (a.lastSampleMs! - faultMs) / 1000,
      lowerBound: true,
      detail: `no sustained success window before the end of observation${gapNote(a)}`,
    };
  }
  return {
    value: (a.recoveryMs - faultMs) / 1000,
    detail: `fault at ${atS(faultMs)}, sustained success from ${atS(a.recoveryMs)}${gapNote(a)}`,
  };
}

export function apiOutage(a: AvailabilitySummary): Observation {
  if (a.samples === 0) return { value: null, detail: 'no probe samples through the LB after the fault' };
  return {
    value: a.outageMs / 1000,
    ...(a.outageOpen ? { lowerBound: true } : {}),
    detail: `${a.failureRuns} failure run(s)${a.openAtHeal ? ', the last one still failing when the heal began: back only with the heal' : a.outageOpen ? ', the last one still failing at the end' : ''}${gapNote(a)}`,
  };
}
