/**
 * Detection in the runner: the alerting context a drill's analysis gets (what the monitoring
 * stack runs with, read at the start, plus the alerts this drill expects: the drill config's for
 * this scenario, else the scenario's own), and `--hold-until-detected`: which expected alerts
 * are not detected yet (fired, and with an Alertmanager notified too) nor past the end of their
 * window (the fault stays until none is left, bounded by the observe deadline and --deadline).
 * Notified too: an alert healed as soon as it fires resolves before Alertmanager's group_wait
 * ends, and Alertmanager sends no notification for a group it never notified as firing.
 */
import { alertSeries, alertTimes, labelsMatch } from '../analysis/alerts.ts';
import { rulesFor } from '../analysis/detection-expected.ts';
import type { WindowSpec } from '../analysis/types.ts';
import { detectWindow, notifyWindow, resolveWindow, unionWindow } from '../analysis/windows/detection.ts';
import { type MonitoringStack, readAlerting } from '../monitoring/stack.ts';
import type { AlertingContext, ExpectedAlert, ScenarioAlerts } from '../monitoring/types.ts';
import type { TimelineEvent } from '../timeline/events.ts';
import type { Scenario, ScenarioContext } from './scenario.ts';

export interface MonitoringRun {
  readonly stack: MonitoringStack;
  /** Keep the fault until every expected alert fired or its window passed. */
  readonly holdUntilDetected: boolean;
  /** The drill config's alerts for this scenario; they replace the scenario's. */
  readonly alerts?: ScenarioAlerts;
}

export async function alertingFor(
  m: MonitoringRun,
  scenario: Pick<Scenario, 'alerts'>,
  ctx: ScenarioContext,
): Promise<AlertingContext> {
  const base = await readAlerting(m.stack);
  return { ...base, alerts: m.alerts ?? scenario.alerts?.(ctx) ?? { expected: [] } };
}

/**
 * Expected alerts still to wait for at `nowMs`: not seen firing since `effectMs` (or, with an
 * Alertmanager, fired but not notified yet: the analysis' own episode rule, alertTimes) and not
 * past the end of that window. An alert without a window (its rule is not loaded) is not waited for.
 */
export function undetected(
  events: readonly TimelineEvent[],
  effectMs: number,
  alerting: AlertingContext,
  nowMs: number,
): string[] {
  const series = alertSeries(events);
  return alerting.alerts.expected.flatMap((x) => {
    const mine = series.filter((s) => s.alert === x.alert && labelsMatch(s.labels, x.labels));
    const t = alertTimes(events, x.alert, mine, effectMs, x.labels);
    const notifying = alerting.groupWaitS !== undefined;
    if (t.firingMs !== undefined && (!notifying || t.notifiedMs !== undefined)) return [];
    const w = windowOf(x, alerting, t.firingMs === undefined ? detectWindow : notifyWindowOf);
    return w && nowMs - effectMs <= w.max * 1000 ? [x.alert] : [];
  });
}

/** How long a hold may need at most after the effect, ms: the latest detection or notify window's end. */
export function holdMaxMs(alerting: AlertingContext): number {
  let max = 0;
  for (const x of alerting.alerts.expected)
    for (const kind of [detectWindow, notifyWindowOf])
      max = Math.max(max, windowOf(x, alerting, kind)?.max ?? 0);
  return max * 1000;
}

/** The notify window as a window kind (none without an Alertmanager: the detect window's). */
const notifyWindowOf: typeof detectWindow = (m, r, c) => notifyWindow(m, r, c) ?? detectWindow(m, r, c);

/** How long the wait for resolutions may take at most after the heal, ms. */
export function resolveMaxMs(alerting: AlertingContext): number {
  let max = 0;
  for (const x of alerting.alerts.expected)
    max = Math.max(max, windowOf(x, alerting, (m, r) => resolveWindow(m, r, x.clearS))?.max ?? 0);
  return max * 1000;
}

/**
 * Expected alerts still active at `nowMs` (a matching series whose last state is pending or
 * firing) and not past the end of their resolve window from the heal: the run keeps observing
 * until none is left, so `resolve_` is measured rather than cut off by the end of the run.
 * A series still pending is waited for only while it could still fire before that window ends.
 * Prometheus makes it firing at the first evaluation whose time is its rule's `for` after its
 * `activeAt`, the time of the evaluation that made it pending (prometheus rules/alerting.go `Eval`:
 * `a.State == StatePending && ts.Sub(a.ActiveAt) >= r.holdDuration`). An evaluation starts less
 * than an interval after its time (rules/group.go `run` skips the slots it missed) and takes less
 * than an interval (or Prometheus misses iterations), and the probe's previous answer
 * (`unseenAtMs`) did not list the alert: so it went active no sooner than `unseenAtMs` minus two
 * evaluation intervals. One that cannot fire in the wait has nothing to show it: its `resolve_`
 * is judged only after a firing, and its pending episode is already on the timeline. (In `all` on
 * seeds, TargetDown{job="kubelet"} (for: 10m) kept kubelet-stop observing 58 s after the heal, and
 * APIServerDown (for: 5m) kept cert-expiry 29 s, though neither could fire until minutes later.)
 * Without `unseenAtMs` (pending since the probe's first answer) it is waited for, as before.
 */
export function unresolved(
  events: readonly TimelineEvent[],
  healMs: number,
  alerting: AlertingContext,
  nowMs: number,
): string[] {
  const active = alertSeries(events).filter((s) => s.states.at(-1)?.state !== 'inactive');
  return alerting.alerts.expected.flatMap((x) => {
    const mine = active.filter((s) => s.alert === x.alert && labelsMatch(s.labels, x.labels));
    if (mine.length === 0) return [];
    const w = windowOf(x, alerting, (m, r) => resolveWindow(m, r, x.clearS));
    if (!w) return [];
    const endMs = healMs + w.max * 1000;
    if (nowMs > endMs) return [];
    // The soonest a rule can fire after the probe's previous answer, ms.
    const fireAfterMs = Math.min(
      ...rulesFor(x, alerting.rules).map((r) => (r.forS - 2 * r.evaluationIntervalS) * 1000),
    );
    const mayChange = mine.some((s) => {
      const last = s.states.at(-1)!;
      return (
        last.state === 'firing' || last.unseenAtMs === undefined || last.unseenAtMs + fireAfterMs <= endMs
      );
    });
    return mayChange ? [x.alert] : [];
  });
}

/**
 * One window kind over the expected alert's rules as the analysis picks them (rulesFor: its name,
 * narrowed by its severity label), so a hold waits for the window the analysis judges by.
 */
function windowOf(
  x: ExpectedAlert,
  alerting: AlertingContext,
  kind: typeof detectWindow,
): WindowSpec | undefined {
  return unionWindow(rulesFor(x, alerting.rules).map((r) => kind(alerting, r, x.conditionS)));
}
