/**
 * The alerts a drill does not expect (src/analysis/detection.ts): every other alertname that
 * fired, one outcome per alertname over all its label sets. Allowed by the scenario
 * (`alerts.allowed`): a passing outcome. Unexpected and firing during the drill (from the fault's
 * injection on): a failing outcome when its severity is critical (something the fault should not
 * break broke, or the scenario misses an allowance), else a passing outcome and a finding. An
 * alert already firing before the injection is not the drill's doing: a finding, never a failure.
 * An alert that only went pending is left out.
 */
import {
  type AlertOutcome,
  type AlertSeries,
  alertTimes,
  defined,
  type Labels,
  labelsMatch,
  labelText,
  type RunFrame,
} from './alerts.ts';
import type { Finding } from './findings.ts';
import { atS } from './format.ts';

/** The labels every label set carries with the same value. */
function sharedLabels(sets: readonly Labels[]): Labels {
  const [head, ...rest] = sets;
  return Object.fromEntries(Object.entries(head ?? {}).filter(([k, v]) => rest.every((l) => l[k] === v)));
}

export function otherAlerts(f: RunFrame): { outcomes: AlertOutcome[]; findings: Finding[] } {
  const expected = f.alerting.alerts.expected;
  const allowed = new Set(f.alerting.alerts.allowed ?? []);
  const byName = new Map<string, AlertSeries[]>();
  for (const s of f.series) {
    if (expected.some((x) => x.alert === s.alert && labelsMatch(s.labels, x.labels))) continue;
    byName.set(s.alert, [...(byName.get(s.alert) ?? []), s]);
  }
  const outcomes: AlertOutcome[] = [];
  const findings: Finding[] = [];
  const ref = f.t0 ?? f.fromMs;
  for (const [alert, list] of byName) {
    const o = alertTimes(f.timeline, alert, list, f.fromMs);
    const shown = o.firedSince.length ? o.firedSince : o.firingBefore;
    if (shown.length === 0) continue;
    const labels = sharedLabels(shown.map((s) => s.labels));
    const severity =
      shown.find((s) => s.labels.severity)?.labels.severity ??
      f.alerting.rules.find((r) => r.name === alert && r.severity)?.severity ??
      null;
    const critical = severity?.toLowerCase() === 'critical';
    const role = allowed.has(alert) ? 'allowed' : 'unexpected';
    const name = `${alert}${labelText(labels)}${shown.length > 1 ? ` (${shown.length} label sets)` : ''}`;
    const sev = `severity ${severity ?? 'none'}`;
    let verdict: AlertOutcome['verdict'] = 'pass';
    let message: string;
    if (o.firingMs === undefined) {
      message = `${name} (${sev}) was already firing before the fault (since ${atS(o.firingBeforeMs!)} on the run): not caused by the drill`;
      if (role === 'unexpected')
        findings.push({
          id: `alert-before-fault:${alert}`,
          severity: critical ? 'warning' : 'info',
          message,
        });
    } else {
      const when = `fired at ${atS(o.firingMs)} on the run, ${((o.firingMs - ref) / 1000).toFixed(1)} s after the fault`;
      if (role === 'allowed') message = `${name} (${sev}) ${when}: allowed by the scenario`;
      else if (critical) {
        verdict = 'fail';
        message = `unexpected critical alert ${name} ${when}: the scenario neither expects nor allows it — the fault broke something it should not, or, if the fault explains it, add ${alert} to the scenario's alerts (allowed)`;
      } else {
        message = `unexpected alert ${name} (${sev}) ${when}: not expected nor allowed by the scenario`;
        findings.push({ id: `alert-unexpected:${alert}`, severity: 'warning', message });
      }
    }
    outcomes.push({
      alert,
      labels,
      role,
      severity,
      verdict,
      message,
      ...defined('pendingMs', o.pendingMs),
      ...defined('firingMs', o.firingMs ?? o.firingBeforeMs),
      ...defined('notifiedMs', o.notifiedMs),
      ...defined('resolvedMs', o.resolvedMs ?? undefined),
      ...defined('resolvedNotifiedMs', o.resolvedNotifiedMs),
      episodes: o.episodes.length,
      labelSets: shown.length,
    });
  }
  return { outcomes, findings };
}
