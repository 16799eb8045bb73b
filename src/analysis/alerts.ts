/**
 * Alert histories from the timeline: the `alert` events of the detection probe (one per state
 * change of one alert = alertname + label set, polled from Prometheus' /api/v1/alerts) grouped into
 * one series per alert, their pending and firing intervals, firing episodes, and the `alert.notify`
 * events Alertmanager delivered; what became of each alert (`AlertOutcome`, on the RunResult).
 * Pure; used by the detection analysis (detection.ts) and the report's timeline chart.
 */
import type { AlertingContext } from '../monitoring/types.ts';
import type { AlertMeasurementName } from '../slo/types.ts';
import { type EventOf, eventsOf, type TimelineEvent } from '../timeline/events.ts';
import type { Verdict } from './types.ts';

export type AlertStateName = EventOf<'alert'>['state'];
export type Labels = Readonly<Record<string, string>>;

export interface AlertSeries {
  readonly alert: string;
  /** The alert's labels without `alertname`. */
  readonly labels: Labels;
  /** alertname and sorted labels: one alert of Prometheus' list. */
  readonly key: string;
  /** State changes in time order (repeats of the same state dropped). */
  readonly states: readonly AlertStateChange[];
}

export interface AlertStateChange {
  readonly atMs: number;
  readonly state: AlertStateName;
  /** The event's `unseenAtMs`: the alert went active after this time (the probe's previous answer). */
  readonly unseenAtMs?: number;
}

export interface AlertInterval {
  readonly state: 'pending' | 'firing';
  readonly fromMs: number;
  /** null: still in that state at the end of the timeline. */
  readonly toMs: number | null;
}

/** The labels without `alertname` (which the alert's name already says). */
export function ownLabels(labels: Labels): Labels {
  const { alertname: _, ...rest } = labels;
  return rest;
}

/** `{instance="198.18.0.12:6443",job="apiserver"}`, `` when empty: as Prometheus writes a selector. */
export function labelText(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? `{${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}` : '';
}

/** Whether `labels` carry every label of `matcher` with its value (no matcher: every label set). */
export function labelsMatch(labels: Labels, matcher: Labels | undefined): boolean {
  return Object.entries(matcher ?? {}).every(([k, v]) => labels[k] === v);
}

/** One series per alert (alertname + label set), in the order they first appear. */
export function alertSeries(timeline: readonly TimelineEvent[]): AlertSeries[] {
  const byKey = new Map<string, { alert: string; labels: Labels; states: AlertStateChange[] }>();
  for (const e of eventsOf(timeline, 'alert')) {
    const labels = ownLabels(e.labels);
    const key = `${e.alert}${labelText(labels)}`;
    const s = byKey.get(key) ?? { alert: e.alert, labels, states: [] };
    byKey.set(key, s);
    if (s.states.at(-1)?.state !== e.state)
      s.states.push({ atMs: e.atMs, state: e.state, ...defined('unseenAtMs', e.unseenAtMs) });
  }
  return [...byKey].map(([key, s]) => ({ key, ...s }));
}

/** Pending and firing intervals of one series. */
export function intervalsOf(s: AlertSeries): AlertInterval[] {
  const out: AlertInterval[] = [];
  s.states.forEach((c, i) => {
    if (c.state === 'inactive') return;
    out.push({ state: c.state, fromMs: c.atMs, toMs: s.states[i + 1]?.atMs ?? null });
  });
  return out;
}

/** The state the series was in just before `ms` (`inactive` before its first event). */
export function stateBefore(s: AlertSeries, ms: number): AlertStateName {
  return s.states.filter((c) => c.atMs < ms).at(-1)?.state ?? 'inactive';
}

/** When the series went firing at or after `fromMs`: one entry per firing episode. */
export function firingStarts(s: AlertSeries, fromMs: number): number[] {
  return s.states.filter((c) => c.state === 'firing' && c.atMs >= fromMs).map((c) => c.atMs);
}

/** When the series left firing for good: its first `inactive` after its last firing; null if none. */
export function finalResolve(s: AlertSeries): number | null {
  const lastFiring = s.states.map((c) => c.state).lastIndexOf('firing');
  if (lastFiring === -1) return null;
  return s.states.slice(lastFiring + 1).find((c) => c.state === 'inactive')?.atMs ?? null;
}

/** What a set of series of one alertname did from `fromMs` on (times in ms on the run). */
export interface AlertTimes {
  /** The series that went firing at or after `fromMs`. */
  readonly firedSince: readonly AlertSeries[];
  /** The series still firing at `fromMs`. */
  readonly firingBefore: readonly AlertSeries[];
  readonly pendingMs?: number;
  readonly firingMs?: number;
  /** The earliest a series still firing at `fromMs` went firing. */
  readonly firingBeforeMs?: number;
  readonly pendingBefore: boolean;
  /** The firing starts of the series with the most episodes from `fromMs` on. */
  readonly episodes: readonly number[];
  /** How many series fired at all. */
  readonly labelSets: number;
  /** When the last series that fired left firing for good; null: one still fires at the end. */
  readonly resolvedMs: number | null;
  /** First firing and last resolved notification from `fromMs` on. */
  readonly notifiedMs?: number;
  readonly resolvedNotifiedMs?: number;
}

const first = (list: readonly number[]) => (list.length ? Math.min(...list) : undefined);

/** `{ [k]: v }`, or `{}` when v is undefined (optional fields stay absent). */
export const defined = <K extends string>(k: K, v: number | undefined) =>
  (v === undefined ? {} : { [k]: v }) as Partial<Record<K, number>>;

/**
 * The times of `series` (one alertname) from `fromMs` on, with the notifications of `alert` whose
 * labels carry `matcher`, or without one those of any of the series (Alertmanager's labels are the
 * alert's plus any external labels Prometheus adds).
 */
export function alertTimes(
  timeline: readonly TimelineEvent[],
  alert: string,
  series: readonly AlertSeries[],
  fromMs: number,
  matcher?: Labels,
): AlertTimes {
  const since = (state: AlertStateName) =>
    series.flatMap((s) => s.states.filter((c) => c.state === state && c.atMs >= fromMs).map((c) => c.atMs));
  const firingBefore = series.filter((s) => stateBefore(s, fromMs) === 'firing');
  const fired = series.filter((s) => s.states.some((c) => c.state === 'firing'));
  const resolves = fired.map(finalResolve);
  const mine = (labels: Labels) =>
    matcher ? labelsMatch(labels, matcher) : series.some((s) => labelsMatch(labels, s.labels));
  // A notification belongs to this drill's episode when it started (Prometheus' FiredAt) no earlier
  // than the episode went active (its activeAt), both on Prometheus' clock: Alertmanager repeats
  // a group's earlier alerts, which must not count as this fault's notification.
  const activeAt = first(
    eventsOf(timeline, 'alert')
      .filter((e) => e.alert === alert && e.atMs >= fromMs && e.activeAt && e.state !== 'inactive')
      .filter((e) => mine(e.labels))
      .map((e) => Date.parse(e.activeAt!))
      .filter((t) => Number.isFinite(t)),
  );
  const sameEpisode = (startsAt?: string) =>
    startsAt === undefined || activeAt === undefined || !(Date.parse(startsAt) < activeAt);
  const notes = eventsOf(timeline, 'alert.notify').filter(
    (n) => n.alert === alert && n.atMs >= fromMs && mine(n.labels) && sameEpisode(n.startsAt),
  );
  const wentFiring = firingBefore.map((s) => s.states.filter((c) => c.atMs < fromMs).at(-1)!.atMs);
  return {
    firedSince: series.filter((s) => firingStarts(s, fromMs).length > 0),
    firingBefore,
    ...defined('pendingMs', first(since('pending'))),
    ...defined('firingMs', first(since('firing'))),
    ...defined('firingBeforeMs', first(wentFiring)),
    pendingBefore: series.some((s) => stateBefore(s, fromMs) === 'pending'),
    episodes: series
      .map((s) => firingStarts(s, fromMs))
      .reduce<number[]>((a, b) => (b.length > a.length ? b : a), []),
    labelSets: fired.length,
    resolvedMs: resolves.length === 0 || resolves.includes(null) ? null : Math.max(...(resolves as number[])),
    ...defined('notifiedMs', notes.find((n) => n.status === 'firing')?.atMs),
    ...defined('resolvedNotifiedMs', notes.filter((n) => n.status === 'resolved').at(-1)?.atMs),
  };
}

export type AlertRole = 'expected' | 'allowed' | 'unexpected';

/**
 * What became of one alert in a run: each expected alert (matched by its label subset), and each
 * other alertname that fired (allowed by the scenario or unexpected). Times are ms on the run's
 * timeline, absent when not observed.
 */
export interface AlertOutcome {
  readonly alert: string;
  /** Expected: the scenario's label matcher; others: the labels all its firing label sets share. */
  readonly labels: Labels;
  readonly role: AlertRole;
  /** `severity` of the alert (its labels, else its rule), null when it has none. */
  readonly severity: string | null;
  readonly verdict: Verdict;
  /** Which rule and why, as a sentence for the reports. */
  readonly message: string;
  /** First pending and first firing from the fault on (others: from the injection on). */
  readonly pendingMs?: number;
  readonly firingMs?: number;
  /** First firing notification Alertmanager delivered. */
  readonly notifiedMs?: number;
  /** When it left Prometheus' list after its last firing (every matching label set). */
  readonly resolvedMs?: number;
  /** Last resolved notification Alertmanager delivered. */
  readonly resolvedNotifiedMs?: number;
  /** Most firing episodes of one label set from the fault on (> 1: flapping). */
  readonly episodes: number;
  /** How many label sets it fired for. */
  readonly labelSets: number;
  /** The detection measurements of an expected alert. */
  readonly measurements?: readonly AlertMeasurementName[];
}

/** The run as the detection analysis sees it. */
export interface RunFrame {
  readonly alerting: AlertingContext;
  readonly timeline: readonly TimelineEvent[];
  readonly series: readonly AlertSeries[];
  /** Where detection is timed from (the fault's effect); absent, with `problem`, when unproven. */
  readonly t0?: number;
  readonly problem?: string;
  /** The fault's invoke: an alert firing from here on fired during the drill. */
  readonly fromMs: number;
  /** The heal's invoke. */
  readonly healMs?: number;
  /** The last event's time. */
  readonly endMs: number;
}
