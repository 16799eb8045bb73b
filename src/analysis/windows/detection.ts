/**
 * Detection windows: when Prometheus fires an alert, when Alertmanager's first notification of
 * it reaches the drill's webhook receiver, and when it resolves, from the monitoring stack's
 * configuration (src/monitoring/types.ts `AlertingContext`) and the alert's rule. In seconds:
 * detect and notify from the fault's effect, resolve from the heal.
 *
 * The chain, each link from the upstream source (prometheus/prometheus, alertmanager):
 *  1. The rule's condition becomes true in the cluster `condition` ∈ [c.min, c.max] after the
 *     fault (ExpectedAlert.conditionS, default [0, 0]).
 *  2. The next scrape of the target starts within one scrape interval (scrape/scrape.go
 *     `scrapeLoop.run`: one scrape per interval, at a per-target offset). A failed scrape writes
 *     `up` 0 with the scrape's *start* time (`scrapeAndReport(last, appendTime, …)` →
 *     `sl.report(app, appendTime, …)`), but commits it only when the scrape ends: at once when the
 *     connection is refused, after `scrape_timeout` when it hangs (`context.WithTimeout(…,
 *     sl.timeout)`). An evaluation running before the commit does not see it.
 *  3. Rule groups are evaluated on ticks `interval` apart (rules/group.go `Group.run`:
 *     `evalTimestamp = g.EvalTimestamp(now).Add(g.interval)`, then a `time.NewTicker(g.interval)`),
 *     so the first evaluation that sees the sample comes within one evaluation interval.
 *  4. That evaluation makes the alert pending with `ActiveAt = ts` (rules/alerting.go
 *     `AlertingRule.Eval`), and the first evaluation with `ts.Sub(a.ActiveAt) >= r.holdDuration`
 *     makes it firing: `for` rounded up to whole evaluation intervals, F = ⌈for / eval⌉ × eval
 *     (for 0: firing in the same evaluation, never seen pending).
 *  5. The harness polls `GET /api/v1/alerts` (web/api/v1/api.go `alerts` → `ActiveAlerts()`)
 *     every poll interval, plus a slack for the evaluation running after its tick and the poll's
 *     round trip (OBSERVE_SLACK_S).
 *  detect ∈ [c.min + F, c.max + scrape interval + scrape timeout + eval + F + poll + slack]
 *  pending ∈ [c.min, c.max + scrape interval + scrape timeout + eval + poll + slack] (for > 0)
 *  (The looser `… + eval + for + eval + …` bound is this one with F ≤ for + eval.)
 *
 * Notification: the firing evaluation sends the alert at once (rules/group.go `Eval` →
 * `AlertingRule.sendAlerts`; `needsSending` is false while pending; notifier/sendloop.go `loop`
 * posts as soon as work is queued) with StartsAt = FiredAt (rules/manager.go `SendAlerts`), so
 * Alertmanager does not take it for an old alert; the alert opens a new aggregation group whose
 * first flush comes `group_wait` later (alertmanager dispatch/dispatch.go `newAggrGroup`:
 * `ag.next = time.NewTimer(ag.opts.GroupWait)`; `aggrGroup.run` flushes when it fires), and the
 * webhook post reaches the harness a round trip after (DELIVERY_SLACK_S).
 *  notify ∈ [detect.min + group_wait, detect.max − poll − slack + group_wait + delivery]
 * Assumed: the alert opens its own aggregation group. One joining a group that is already active
 * (a route without `group_by`, or another alert of its group still firing) is sent at that group's
 * next `group_interval` flush (`ag.resetTimer(ag.opts.GroupInterval)`), which the context does not
 * carry; the window then flags it.
 *
 * Resolution: after the heal the condition clears `clear` ∈ [r.min, r.max] later
 * (ExpectedAlert.clearS, default [0, 0]); the next successful scrape (≤ interval, ≤ timeout) and
 * the next evaluation (≤ eval) no longer return the series; with `keep_firing_for` the alert stays
 * firing until an evaluation with `ts.Sub(a.KeepFiringSince) >= r.keepFiringFor` (K = ⌈kff / eval⌉
 * × eval, `KeepFiringSince` being that first evaluation), then becomes inactive with `ResolvedAt`
 * set and leaves `ActiveAlerts()`, i.e. the API's list (the probe's `inactive`).
 *  resolve ∈ [r.min + K, r.max + scrape interval + scrape timeout + eval + K + poll + slack]
 */
import type { AlertingContext, AlertRuleInfo, Bounds } from '../../monitoring/types.ts';
import type { WindowSpec } from '../types.ts';
import { s3 } from './common.ts';

/**
 * The evaluation runs after its tick (the group's rules are evaluated one after another) and the
 * probe's poll of the alerts API takes a round trip: milliseconds on the lab, 0.5 s allowed.
 */
export const OBSERVE_SLACK_S = 0.5;
/** Prometheus → Alertmanager post and Alertmanager → webhook post: two round trips, 0.5 s allowed. */
export const DELIVERY_SLACK_S = 0.5;

export type MonitoringTimings = Pick<
  AlertingContext,
  'scrapeIntervalS' | 'scrapeTimeoutS' | 'pollIntervalS' | 'groupWaitS' | 'groupIntervalS'
>;
export type RuleTimings = Pick<AlertRuleInfo, 'forS' | 'keepFiringForS' | 'evaluationIntervalS'>;

export const NO_DELAY: Bounds = { min: 0, max: 0 };

/** A hold (`for`, `keep_firing_for`) as Prometheus applies it: whole evaluation intervals. */
export function onEvaluationTicks(holdS: number, evaluationS: number): number {
  if (holdS <= 0) return 0;
  if (evaluationS <= 0) return holdS;
  return Math.ceil(holdS / evaluationS - 1e-9) * evaluationS;
}

function holdText(what: string, holdS: number, evaluationS: number): string {
  const ticks = onEvaluationTicks(holdS, evaluationS);
  return ticks === holdS
    ? `${what} ${s3(holdS)}`
    : `${what} ${s3(holdS)} → ${s3(ticks)} (whole evaluations of ${s3(evaluationS)})`;
}

/** `condition 2 + ` (nothing when 0): the delay of the rule's condition in the cluster itself. */
function delayText(what: string, v: number): string {
  return v === 0 ? '' : `${what} ${s3(v)} + `;
}

/** Scrape, commit and evaluation lag: from the condition to the first evaluation that sees it. */
function lag(m: MonitoringTimings, r: RuleTimings): { s: number; text: string } {
  return {
    s: m.scrapeIntervalS + m.scrapeTimeoutS + r.evaluationIntervalS,
    text: `scrape interval ${s3(m.scrapeIntervalS)} + scrape timeout ${s3(m.scrapeTimeoutS)} + evaluation ${s3(r.evaluationIntervalS)}`,
  };
}

const poll = (m: MonitoringTimings) => `poll ${s3(m.pollIntervalS)} + slack ${OBSERVE_SLACK_S}`;

export function detectWindow(m: MonitoringTimings, r: RuleTimings, c: Bounds = NO_DELAY): WindowSpec {
  const f = onEvaluationTicks(r.forS, r.evaluationIntervalS);
  const l = lag(m, r);
  const hold = holdText('for', r.forS, r.evaluationIntervalS);
  return {
    min: c.min + f,
    max: c.max + l.s + f + m.pollIntervalS + OBSERVE_SLACK_S,
    formula: `[${delayText('condition', c.min)}${hold}, ${delayText('condition', c.max)}${l.text} + ${hold} + ${poll(m)}]`,
  };
}

/** When the alert shows as pending (the detail of a detection; none when `for` is 0). */
export function pendingWindow(
  m: MonitoringTimings,
  r: RuleTimings,
  c: Bounds = NO_DELAY,
): WindowSpec | undefined {
  if (onEvaluationTicks(r.forS, r.evaluationIntervalS) === 0) return undefined;
  const l = lag(m, r);
  return {
    min: c.min,
    max: c.max + l.s + m.pollIntervalS + OBSERVE_SLACK_S,
    formula: `[${s3(c.min)}, ${delayText('condition', c.max)}${l.text} + ${poll(m)}]`,
  };
}

/**
 * The latest Alertmanager flushes a newly firing alert, s after it arrived: `group_wait` for a new
 * group; with the route's `group_interval` known, the alert may also join a group already active
 * and wait for that group's next flush, up to `group_interval` (dispatch/dispatch.go
 * `aggrGroup.run`: `ag.next.Reset(ag.opts.GroupInterval)` after each flush).
 */
export const firstFlushMaxS = (groupWaitS: number, groupIntervalS?: number): number =>
  Math.max(groupWaitS, groupIntervalS ?? 0);

/** Undefined without an Alertmanager (no `group_wait`): no notification is expected. */
export function notifyWindow(
  m: MonitoringTimings,
  r: RuleTimings,
  c: Bounds = NO_DELAY,
): WindowSpec | undefined {
  if (m.groupWaitS === undefined) return undefined;
  const d = detectWindow(m, r, c);
  const fired = d.max - m.pollIntervalS - OBSERVE_SLACK_S;
  const gw = m.groupWaitS;
  const gi = m.groupIntervalS;
  if (gi === undefined)
    return {
      min: d.min + gw,
      max: fired + gw + DELIVERY_SLACK_S,
      formula: `[fired ≥ ${s3(d.min)} + group_wait ${s3(gw)}, fired ≤ ${s3(fired)} + group_wait ${s3(gw)} + delivery ${DELIVERY_SLACK_S}] (fired: detect ${d.formula} without the poll)`,
    };
  // With the route's group_interval known, the alert may also join a group that is already
  // active (another alert of its group still firing or just resolved): it is then sent at that
  // group's next flush, anywhere from at once to group_interval later (firstFlushMaxS).
  const wait = firstFlushMaxS(gw, gi);
  return {
    min: d.min,
    max: fired + wait + DELIVERY_SLACK_S,
    formula: `[fired ≥ ${s3(d.min)} (joining an active group), fired ≤ ${s3(fired)} + max(group_wait ${s3(gw)}, group_interval ${s3(gi)}) + delivery ${DELIVERY_SLACK_S}] (fired: detect ${d.formula} without the poll)`,
  };
}

export function resolveWindow(m: MonitoringTimings, r: RuleTimings, clear: Bounds = NO_DELAY): WindowSpec {
  const k = onEvaluationTicks(r.keepFiringForS, r.evaluationIntervalS);
  const l = lag(m, r);
  const keep = k === 0 ? '' : ` + ${holdText('keep_firing_for', r.keepFiringForS, r.evaluationIntervalS)}`;
  return {
    min: clear.min + k,
    max: clear.max + l.s + k + m.pollIntervalS + OBSERVE_SLACK_S,
    formula: `[clear ${s3(clear.min)}${keep}, ${delayText('clear', clear.max)}${l.text}${keep} + ${poll(m)}]`,
  };
}

/**
 * Several rules may share an alert name (e.g. one per severity): the window is the union of
 * theirs, each formula kept.
 */
export function unionWindow(windows: readonly WindowSpec[]): WindowSpec | undefined {
  if (windows.length === 0) return undefined;
  const formulas = [...new Set(windows.map((w) => w.formula))];
  return {
    min: Math.min(...windows.map((w) => w.min)),
    max: Math.max(...windows.map((w) => w.max)),
    formula:
      formulas.length === 1 ? formulas[0]! : `union of ${formulas.length} rules: ${formulas.join(' ∪ ')}`,
  };
}
