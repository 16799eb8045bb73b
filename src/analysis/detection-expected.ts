/**
 * Judging one expected alert (src/analysis/detection.ts): its detect / notify / resolve
 * measurements against their windows (windows/detection.ts), and its outcome, which also fails on
 * flapping. Messages name the alert, its rule and why.
 */
import type { AlertRuleInfo, ExpectedAlert } from '../monitoring/types.ts';
import { type AlertMeasurementKind, alertMeasurementName, type Slo } from '../slo/types.ts';
import {
  type AlertOutcome,
  type AlertTimes,
  alertTimes,
  defined,
  labelsMatch,
  labelText,
  type RunFrame,
} from './alerts.ts';
import { withOutside } from './expected.ts';
import { atS } from './format.ts';
import type { Measurement, WindowSpec } from './types.ts';
import { judge, round, worstVerdict } from './verdict.ts';
import {
  DELIVERY_SLACK_S,
  detectWindow,
  firstFlushMaxS,
  NO_DELAY,
  notifyWindow,
  pendingWindow,
  resolveWindow,
  unionWindow,
} from './windows/detection.ts';

/** Detection measurements are judged against their expected window. */
export const ALERT_SLO: Slo = { op: '==', threshold: 'expected', source: 'default' };

/** The loaded rules an expected alert can come from (narrowed by a `severity` in its matcher). */
export function rulesFor(x: ExpectedAlert, rules: readonly AlertRuleInfo[]): AlertRuleInfo[] {
  const named = rules.filter((r) => r.name === x.alert);
  const sev = x.labels?.severity;
  const bySeverity = sev === undefined ? [] : named.filter((r) => r.severity === sev);
  return bySeverity.length ? bySeverity : named;
}

/** `5m`, `1m30s`, `500ms`: a duration as Prometheus writes it. */
export function promDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const parts: [number, string][] = [
    [Math.floor(ms / 3_600_000), 'h'],
    [Math.floor(ms / 60_000) % 60, 'm'],
    [Math.floor(ms / 1000) % 60, 's'],
    [ms % 1000, 'ms'],
  ];
  const text = parts
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join('');
  return text || '0s';
}

/** `rule APIServerDown (group apiserver, for: 5m, evaluated every 30 s)`, or several. */
export function ruleText(alert: string, rules: readonly AlertRuleInfo[]): string {
  const one = (r: AlertRuleInfo) =>
    `group ${r.group}, for: ${promDuration(r.forS)}${r.keepFiringForS ? `, keep_firing_for: ${promDuration(r.keepFiringForS)}` : ''}, evaluated every ${r.evaluationIntervalS} s`;
  if (rules.length === 0) return `no rule named ${alert}`;
  if (rules.length === 1) return `rule ${alert} (${one(rules[0]!)})`;
  return `${rules.length} rules named ${alert} (${rules.map(one).join('; ')})`;
}

type Observed = AlertTimes;

function observe(x: ExpectedAlert, t0: number, f: RunFrame): Observed {
  const matching = f.series.filter((s) => s.alert === x.alert && labelsMatch(s.labels, x.labels));
  return alertTimes(f.timeline, x.alert, matching, t0, x.labels ?? {});
}

type Say = (where: string) => string;

/** A detection measurement: judged `== expected`; `say` words a value with where it fell. */
function measurement(
  name: Measurement['name'],
  value: number | null,
  window: WindowSpec | undefined,
  detail: string,
  say: Say,
): Measurement {
  const expected = window ? withOutside(window, value) : undefined;
  const j = judge({ value, detail }, ALERT_SLO, expected);
  let where = 'no expected window (no rule loaded for it)';
  if (expected && value !== null) {
    where = !expected.outside
      ? `inside its window [${round(expected.min)}, ${round(expected.max)}]`
      : value < expected.min
        ? `too early: its window starts at ${round(expected.min)} s (${expected.formula})`
        : `late: its window ends at ${round(expected.max)} s (${expected.formula})`;
  }
  return {
    name,
    value: value === null ? null : round(value),
    unit: 's',
    slo: ALERT_SLO,
    verdict: j.verdict,
    message: value === null ? j.message : say(where),
    detail,
    ...(expected ? { expected } : {}),
  };
}

const secs = (ms: number) => round(ms / 1000);

interface Subject {
  readonly x: ExpectedAlert;
  /** alertname with its matcher, for messages. */
  readonly name: string;
  readonly rules: readonly AlertRuleInfo[];
  readonly rule: string;
  readonly windows: Readonly<Record<AlertMeasurementKind | 'pending', WindowSpec | undefined>>;
}

/** The measurements and outcome of one expected alert; `key` names its measurements. */
export function judgeExpected(
  x: ExpectedAlert,
  key: string,
  f: RunFrame,
): { readonly outcome: AlertOutcome; readonly measurements: Measurement[] } {
  const a = f.alerting;
  const rules = rulesFor(x, a.rules);
  const cond = x.conditionS ?? NO_DELAY;
  const s: Subject = {
    x,
    name: `${x.alert}${labelText(x.labels)}`,
    rules,
    rule: ruleText(x.alert, rules),
    windows: {
      detect: unionWindow(rules.map((r) => detectWindow(a, r, cond))),
      pending: unionWindow(rules.flatMap((r) => pendingWindow(a, r, cond) ?? [])),
      notify: unionWindow(rules.flatMap((r) => notifyWindow(a, r, cond) ?? [])),
      resolve: unionWindow(rules.map((r) => resolveWindow(a, r, x.clearS ?? NO_DELAY))),
    },
  };
  const kinds: AlertMeasurementKind[] =
    a.groupWaitS === undefined ? ['detect', 'resolve'] : ['detect', 'notify', 'resolve'];
  const names = kinds.map((k) => alertMeasurementName(k, key));
  const outcome = (ms: Measurement[], o: Partial<Observed>, flapping?: string): AlertOutcome => {
    // The worst says why: failures, else what could not be observed, else every pass.
    const worst = worstVerdict(ms.map((m) => m.verdict));
    const problems = ms.filter((m) => m.verdict === worst).map((m) => m.message);
    return {
      alert: x.alert,
      labels: x.labels ?? {},
      role: 'expected',
      severity: x.labels?.severity ?? rules.find((r) => r.severity)?.severity ?? null,
      verdict: worstVerdict([...ms.map((m) => m.verdict), ...(flapping ? (['fail'] as const) : [])]),
      message: [...(flapping ? [flapping] : []), ...(flapping && worst === 'pass' ? [] : problems)].join(
        '; ',
      ),
      ...defined('pendingMs', o.pendingMs),
      ...defined('firingMs', o.firingMs ?? o.firingBeforeMs),
      ...defined('notifiedMs', o.notifiedMs),
      ...defined('resolvedMs', o.resolvedMs ?? undefined),
      ...defined('resolvedNotifiedMs', o.resolvedNotifiedMs),
      episodes: o.episodes?.length ?? 0,
      labelSets: o.labelSets ?? 0,
      measurements: names,
    };
  };
  if (f.t0 === undefined) {
    const ms = kinds.map((k, i) => measurement(names[i]!, null, s.windows[k], f.problem!, () => ''));
    return {
      measurements: ms,
      outcome: { ...outcome(ms, {}), message: `${s.name} not timed: ${f.problem}` },
    };
  }
  const o = observe(x, f.t0, f);
  const ms = kinds.map((k, i) => {
    if (k === 'detect') return detect(names[i]!, s, o, f, f.t0!);
    if (k === 'notify') return notify(names[i]!, s, o, f, f.t0!, a.groupWaitS!);
    return resolve(names[i]!, s, o, f);
  });
  // One fault, one page: an alert that fires, resolves and fires again during one fault pages the
  // on-call once per episode (Alertmanager notifies each new firing after a resolve), and its
  // detect/resolve times time neither episode alone. It means the rule's `for`/`keep_firing_for`
  // do not ride out the signal's gaps during the outage (e.g. a scrape that sometimes gets
  // through a degraded link): a detection defect the drill must fail on.
  const flapping =
    o.episodes.length > 1
      ? `${s.name} flapped: ${o.episodes.length} firing episodes after the fault (at ${o.episodes.map(atS).join(', ')} on the run) — one fault must page once; ${s.rule} does not hold its state through the fault`
      : undefined;
  return { measurements: ms, outcome: outcome(ms, o, flapping) };
}

function detect(n: Measurement['name'], s: Subject, o: Observed, f: RunFrame, t0: number): Measurement {
  const since = (ms: number) => secs(ms - t0);
  const w = s.windows.pending;
  const pending =
    o.pendingMs !== undefined
      ? `pending at +${since(o.pendingMs)} s${w ? ` (expected [${round(w.min)}, ${round(w.max)}]: ${w.formula})` : ''}`
      : s.rules.length && !w
        ? 'never pending (for: 0 fires at its first evaluation)'
        : 'never seen pending';
  const detail = `${s.rule}; ${pending}${o.firingMs !== undefined ? `; firing at ${atS(o.firingMs)} on the run` : ''}`;
  const firing = o.firingMs;
  const m = measurement(n, firing === undefined ? null : since(firing), s.windows.detect, detail, (where) => {
    const early =
      where.startsWith('too early') && o.pendingBefore ? '; it was already pending before the fault' : '';
    return `${s.name} fired ${since(firing!)} s after the fault, ${where}${early}`;
  });
  if (o.firingBeforeMs !== undefined)
    return {
      ...m,
      verdict: 'unknown',
      message: `${s.name} was already firing before the fault (since ${atS(o.firingBeforeMs)} on the run): its detection of this fault cannot be timed; the cluster was not in steady state`,
    };
  if (firing !== undefined) return m;
  return { ...m, verdict: 'fail', message: neverFired(s, o, f, t0) };
}

function neverFired(s: Subject, o: Observed, f: RunFrame, t0: number): string {
  const w = s.windows.detect;
  if (!w)
    return `${s.name} never fired: no alerting rule named ${s.x.alert} is loaded in Prometheus (GET /api/v1/rules), so nothing could fire it`;
  const lasted = secs((f.healMs ?? f.endMs) - t0);
  const prove = 'the outage went unnoticed; run with --hold-until-detected to prove detection';
  if (lasted < w.min) {
    const shortest = s.rules.reduce((a, b) => (b.forS < a.forS ? b : a));
    return `${s.name} never fired: the fault lasted ${lasted} s and ${s.rule.replace(/ \(.*$/, '')} needs its condition for ${round(w.min)} s (for: ${promDuration(shortest.forS)}) — ${prove}`;
  }
  if (lasted < w.max)
    return `${s.name} never fired: the fault lasted ${lasted} s, less than the ${round(w.max)} s ${s.rule} may take to fire (${w.formula}) — ${prove}`;
  const pending =
    o.pendingMs !== undefined
      ? `it went pending at ${atS(o.pendingMs)} but never fired`
      : 'it never even went pending';
  return `${s.name} never fired within its window [${round(w.min)}, ${round(w.max)}] s (${w.formula}) although the fault lasted ${lasted} s: ${pending} — check the expression of ${s.rule} against this fault`;
}

function notify(
  n: Measurement['name'],
  s: Subject,
  o: Observed,
  f: RunFrame,
  t0: number,
  groupWaitS: number,
): Measurement {
  const at = o.notifiedMs;
  const detail =
    at !== undefined
      ? `first firing notification received at ${atS(at)} on the run (group_wait ${groupWaitS} s)`
      : `no firing notification of ${s.name} reached the drill's webhook receiver`;
  const value = at === undefined ? null : secs(at - t0);
  const m = measurement(
    n,
    value,
    s.windows.notify,
    detail,
    (where) => `${s.name} notified ${value} s after the fault, ${where}`,
  );
  const fired = o.firingMs;
  if (at !== undefined) return m;
  if (o.firingBeforeMs !== undefined)
    return {
      ...m,
      verdict: 'unknown',
      message: `not observed: ${s.name} was already firing (and notified) before the fault`,
    };
  if (fired === undefined)
    return { ...m, verdict: 'unknown', message: `not observed: ${s.name} never fired, nothing to notify` };
  // Alertmanager's first notification of a group holds what is firing at its first flush
  // (firstFlushMaxS); a group whose flush holds only resolved alerts is never sent: "notify right
  // away unless we only have resolved alerts" (notify/notify.go DedupStage.needsUpdate, entry == nil).
  const flushS = firstFlushMaxS(groupWaitS, f.alerting.groupIntervalS);
  const lastedS = o.resolvedMs === null ? undefined : secs(o.resolvedMs - fired);
  if (lastedS !== undefined && lastedS < flushS + DELIVERY_SLACK_S)
    return {
      ...m,
      verdict: 'fail',
      message: `nobody was paged: ${s.name} fired at ${atS(fired)} and was inactive again ${lastedS} s later, before Alertmanager's first flush of its group (up to ${flushS === groupWaitS ? `group_wait ${groupWaitS}` : `group_interval ${flushS}`} s): Alertmanager sends nothing for a group whose first notification holds only resolved alerts (notify.go DedupStage) — the condition of ${s.rule} cleared ${lastedS} s after it fired; run with --hold-until-detected to prove notification`,
    };
  const waited = secs(f.endMs - fired);
  if (waited < groupWaitS + DELIVERY_SLACK_S)
    return {
      ...m,
      verdict: 'unknown',
      message: `not observed: the run ended ${waited} s after ${s.name} fired, before group_wait ${groupWaitS} s had passed`,
    };
  return {
    ...m,
    verdict: 'fail',
    message: `${s.name} fired at ${atS(fired)} but no notification reached the drill's webhook receiver in the ${waited} s after (group_wait ${groupWaitS} s): check that Prometheus sends to Alertmanager and that a route sends ${s.x.alert} to the drill's receiver`,
  };
}

function resolve(n: Measurement['name'], s: Subject, o: Observed, f: RunFrame): Measurement {
  const heal = f.healMs;
  const fired = o.firingMs ?? o.firingBeforeMs;
  const detail = [
    heal !== undefined ? `healed at ${atS(heal)}` : 'no heal on the timeline',
    o.resolvedMs !== null && fired !== undefined ? `inactive at ${atS(o.resolvedMs)}` : 'not inactive',
    ...(o.resolvedNotifiedMs !== undefined ? [`resolved notification at ${atS(o.resolvedNotifiedMs)}`] : []),
  ].join('; ');
  const value =
    heal === undefined || fired === undefined || o.resolvedMs === null ? null : secs(o.resolvedMs - heal);
  const m = measurement(n, value, s.windows.resolve, detail, (where) =>
    value! < 0
      ? `${s.name} resolved ${-value!} s before the heal, ${where}`
      : `${s.name} resolved ${value} s after the heal, ${where}`,
  );
  if (value !== null) return m;
  if (fired === undefined)
    return { ...m, verdict: 'unknown', message: `not observed: ${s.name} never fired` };
  if (o.resolvedMs !== null)
    return {
      ...m,
      verdict: 'unknown',
      message: `not observed: no heal on the timeline to time ${s.name}'s resolution from`,
    };
  const w = s.windows.resolve;
  const after = heal === undefined ? '' : `, ${secs(f.endMs - heal)} s after the heal`;
  const window = w ? ` (its window ends ${round(w.max)} s after the heal: ${w.formula})` : '';
  return {
    ...m,
    verdict: 'fail',
    message: `${s.name} did not resolve: still firing at the run's end${after}${window} — ${s.rule} keeps its condition after the heal`,
  };
}
