/**
 * Findings: facts about the topology or the run that a reviewer must see besides the SLO table
 * (single points of failure, faults without proof, heal errors, watch gaps, measurements outside
 * their expected window). Pure, from the timeline, the measurements and the context.
 */
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';
import { faultProblem, faultStatus } from './fault.ts';
import type { AnalysisContext, Finding, Measurement } from './types.ts';

export type { Finding, FindingSeverity } from './types.ts';

export function deriveFindings(
  timeline: readonly TimelineEvent[],
  measurements: readonly Measurement[],
  ctx: Pick<AnalysisContext, 'lbCount' | 'findings'>,
): Finding[] {
  const out: Finding[] = [...(ctx.findings ?? [])];
  if (ctx.lbCount === 1) {
    out.push({
      id: 'spof-lb',
      severity: 'warning',
      message: 'single point of failure: one API load balancer; the API is down until it is back',
    });
  }
  const problem = faultProblem(faultStatus(timeline));
  if (problem)
    out.push({ id: 'fault-no-effect', severity: 'critical', message: `${problem}: no timing was measured` });
  for (const e of eventsOf(timeline, 'heal.error')) {
    out.push({ id: 'heal-error', severity: 'critical', message: `heal of ${e.fault} failed: ${e.error}` });
  }
  const gaps = eventsOf(timeline, 'watch.gap');
  if (gaps.length) {
    const longest = Math.max(...gaps.map((g) => g.toMs - g.fromMs)) / 1000;
    out.push({
      id: 'watch-gaps',
      severity: 'info',
      message: `${gaps.length} watch gap(s), longest ${longest.toFixed(2)} s (${[...new Set(gaps.map((g) => g.watch))].join(', ')})`,
    });
  }
  for (const m of measurements) {
    if (m.expected?.outside) {
      out.push({
        id: `outside-expected:${m.name}`,
        severity: 'warning',
        message: `${m.name} = ${m.value} ${m.unit} is outside the expected window [${m.expected.min}, ${m.expected.max}] (${m.expected.formula})`,
      });
    }
  }
  const errors = eventsOf(timeline, 'error').length;
  if (errors)
    out.push({ id: 'errors', severity: 'info', message: `${errors} error event(s) on the timeline` });
  return out;
}
