/**
 * Detection: did anyone notice the fault? From the detection probe's `alert` events (Prometheus'
 * alert states, polled from /api/v1/alerts) and `alert.notify` events (Alertmanager's webhook
 * notifications), for every alert the drill expects (`AlertingContext.alerts.expected`, matched by
 * alertname and a label subset):
 *  - `detect_<alert>_s`: the fault's effect (t0 of every measurement, fault.ts) → the first
 *    `firing` at or after it; the first `pending` goes in the detail;
 *  - `notify_<alert>_s`: t0 → the first firing notification (only with an Alertmanager, i.e.
 *    `groupWaitS` set);
 *  - `resolve_<alert>_s`: the heal's invoke → the alert leaving Prometheus'
 *    list (`inactive`) after its last firing. Prometheus' own state rather than Alertmanager's
 *    resolved notification: that one waits for the group's next `group_interval` flush
 *    (alertmanager dispatch/dispatch.go `aggrGroup.run`), which the context does not carry, and is
 *    sent only with `send_resolved`; its time is kept in the outcome (`resolvedNotifiedMs`).
 * Each is judged `== expected` against its window (windows/detection.ts). An expected alert that
 * never fires, flaps or does not resolve fails (detection-expected.ts); another alert firing during
 * the drill fails it when critical and not allowed, and is a finding otherwise
 * (detection-others.ts). No alerting context: no detection at all (a drill without Prometheus).
 * Called once per run by the model builder (src/model/build.ts), beside `analyze()`.
 */
import type { AlertingContext, ExpectedAlert } from '../monitoring/types.ts';
import { eventsOf, sortTimeline, type TimelineEvent } from '../timeline/events.ts';
import { type AlertOutcome, alertSeries, type RunFrame } from './alerts.ts';
import { judgeExpected } from './detection-expected.ts';
import { otherAlerts } from './detection-others.ts';
import { faultProblem, faultStatus } from './fault.ts';
import type { Finding } from './findings.ts';
import type { Measurement } from './types.ts';

export type { AlertOutcome, AlertRole } from './alerts.ts';
export { ALERT_SLO, promDuration, rulesFor, ruleText } from './detection-expected.ts';

export interface Detection {
  readonly measurements: readonly Measurement[];
  /** Expected alerts first (in the scenario's order), then the other alertnames that fired. */
  readonly alerts: readonly AlertOutcome[];
  readonly findings: readonly Finding[];
}

export const NO_DETECTION: Detection = { measurements: [], alerts: [], findings: [] };

export function analyzeDetection(
  events: readonly TimelineEvent[],
  ctx: { readonly alerting?: AlertingContext },
): Detection {
  const alerting = ctx.alerting;
  if (!alerting) return NO_DETECTION;
  const timeline = sortTimeline(events);
  const fault = faultStatus(timeline);
  const fromMs = fault.status === 'none' ? 0 : fault.invokeMs;
  const healInvoke = eventsOf(timeline, 'heal.invoke').find((e) => e.atMs >= fromMs)?.atMs;
  // From the heal's invoke: its action (link up, process started) comes first; what a heal waits
  // for before heal.done (the VIP settling back on its MASTER) is not part of the condition
  // clearing. A component that needs time to serve again after its start is the scenario's clearS.
  const healMs = fault.status === 'proven' ? healInvoke : undefined;
  const frame: RunFrame = {
    alerting,
    timeline,
    series: alertSeries(timeline),
    ...(fault.status === 'proven' ? { t0: fault.effectMs } : { problem: faultProblem(fault)! }),
    fromMs,
    ...(healMs !== undefined ? { healMs } : {}),
    endMs: timeline.at(-1)?.atMs ?? 0,
  };
  const keys = measurementKeys(alerting.alerts.expected);
  const expected = alerting.alerts.expected.map((x, i) => judgeExpected(x, keys[i]!, frame));
  const others = otherAlerts(frame);
  return {
    measurements: expected.flatMap((e) => e.measurements),
    alerts: [...expected.map((e) => e.outcome), ...others.outcomes],
    findings: others.findings,
  };
}

/**
 * The `<alert>` part of each expected alert's measurement names: the alertname, with its matcher's
 * labels and values appended when two expected alerts share a name (`TargetDown_job_etcd`); any
 * character but letters, digits and `_` becomes `_`.
 */
export function measurementKeys(expected: readonly ExpectedAlert[]): string[] {
  const shared = (alert: string) => expected.filter((x) => x.alert === alert).length > 1;
  return expected.map((x) => {
    const labels = Object.entries(x.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = shared(x.alert) ? [x.alert, ...labels.flat()].join('_') : x.alert;
    return key.replace(/[^A-Za-z0-9_]/g, '_');
  });
}
