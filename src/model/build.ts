/**
 * Building the result model: analysis of the timeline, findings, history delta, phases and fault
 * summary, fidelity, the combined verdict — then redaction and a deep freeze, so reporters get one
 * read-only, secret-free value.
 */
import { labelText } from '../analysis/alerts.ts';
import { analyze } from '../analysis/analyze.ts';
import { type AlertOutcome, analyzeDetection, NO_DETECTION } from '../analysis/detection.ts';
import { deriveFindings, type Finding } from '../analysis/findings.ts';
import { compareWithHistory, type PreviousRun, runConfigOf } from '../analysis/history.ts';
import { promqlMeasurements } from '../analysis/promql.ts';
import type { RepetitionStat } from '../analysis/stats.ts';
import type { AnalysisContext, Measurement } from '../analysis/types.ts';
import { worstVerdict } from '../analysis/verdict.ts';
import { isAlertMeasurementName } from '../slo/types.ts';
import { eventsOf, sortTimeline, type TimelineEvent } from '../timeline/events.ts';
import { redact } from '../util/redact.ts';
import { fidelityOf } from './fidelity.ts';
import type {
  FaultSummary,
  HealSummary,
  LoadSummary,
  PhaseRecord,
  RunMeta,
  RunResult,
  RunVerdict,
  SuiteMeta,
  SuiteResult,
} from './result.ts';

export interface BuildRunInput {
  readonly meta: RunMeta;
  readonly timeline: readonly TimelineEvent[];
  readonly analysis: AnalysisContext;
  readonly load?: LoadSummary;
  /** Earlier runs of this scenario on this target; history compares with a like one. */
  readonly previous?: readonly PreviousRun[];
  /** `--repeat` statistics over earlier runs and this one: given this run's measurements. */
  readonly repetition?: (measurements: readonly Measurement[]) => readonly RepetitionStat[];
  /** The analysis (src/analysis/analyze.ts by default): run exactly once per run result. */
  readonly analyze?: typeof analyze;
  readonly aborted?: { readonly signal: string; readonly atMs?: number };
  readonly preflight?: { readonly ok: boolean; readonly message: string };
  /** Findings from elsewhere (target inspection, runner). */
  readonly extraFindings?: readonly Finding[];
}

export function buildRunResult(raw: BuildRunInput): RunResult {
  const input = { ...raw, timeline: sortTimeline(raw.timeline) };
  const ran = input.preflight?.ok !== false;
  // The detection analysis runs beside the measurements' (each once): nothing was injected after
  // a failed preflight, so there is nothing to detect either.
  const detection = ran ? analyzeDetection(input.timeline, input.analysis) : NO_DETECTION;
  const measurements = [
    ...(ran ? (input.analyze ?? analyze)(input.timeline, input.analysis) : []),
    ...detection.measurements,
    ...(ran ? promqlMeasurements(input.analysis.promql ?? []) : []),
  ];
  const repetition = input.repetition?.(measurements);
  const findings = [
    ...(input.extraFindings ?? []),
    ...deriveFindings(input.timeline, measurements, input.analysis).filter(
      (f) => !(input.preflight?.ok === false && f.id === 'fault-no-effect'),
    ),
    ...detection.findings,
  ];
  const fault = summarizeFault(input.timeline);
  const alerts = input.analysis.alerting && ran ? detection.alerts : undefined;
  const { verdict, message } = combine(measurements, alerts ?? [], fault, input);
  const meta = {
    ...input.meta,
    config: runConfigOf(input.meta, input.analysis.timings, input.analysis.alerting),
  };
  const history = input.previous && compareWithHistory(meta, measurements, input.previous);
  const result: RunResult = {
    kind: 'run',
    meta,
    verdict,
    verdictMessage: message,
    ...(input.preflight ? { preflight: input.preflight } : {}),
    ...(input.aborted ? { aborted: input.aborted } : {}),
    phases: phasesOf(input.timeline),
    fault,
    measurements,
    ...(alerts ? { alerts } : {}),
    findings,
    fidelity: fidelityOf({
      timings: input.analysis.timings,
      windows: input.analysis.windows,
      measurements,
      fault,
      preflightFailed: input.preflight?.ok === false,
    }),
    ...(input.load ? { load: input.load } : {}),
    ...(history ? { history } : {}),
    ...(repetition ? { repetition } : {}),
    timeline: input.timeline,
  };
  return deepFreeze(redact(result));
}

export function buildSuiteResult(meta: SuiteMeta, runs: readonly RunResult[]): SuiteResult {
  const aborted = runs.some((r) => r.verdict === 'aborted');
  const verdict: RunVerdict = aborted
    ? 'aborted'
    : worstVerdict(runs.map((r) => r.verdict as Exclude<RunVerdict, 'aborted'>));
  const counts = ['pass', 'fail', 'unknown', 'aborted']
    .map((v) => [v, runs.filter((r) => r.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`);
  const suite: SuiteResult = {
    kind: 'suite',
    meta,
    verdict: runs.length === 0 ? 'unknown' : verdict,
    verdictMessage:
      runs.length === 0 ? 'no scenario ran' : `${runs.length} scenario(s): ${counts.join(', ')}`,
    runs,
  };
  return deepFreeze(redact(suite));
}

function combine(
  ms: readonly Measurement[],
  alerts: readonly AlertOutcome[],
  fault: FaultSummary,
  input: BuildRunInput,
): { verdict: RunVerdict; message: string } {
  if (input.aborted)
    return { verdict: 'aborted', message: `aborted by ${input.aborted.signal}; fault healed by the runner` };
  if (input.preflight?.ok === false) {
    return { verdict: 'unknown', message: `preflight failed, nothing injected: ${input.preflight.message}` };
  }
  if (fault.heal.status === 'error') return { verdict: 'fail', message: `heal failed: ${fault.heal.error}` };
  const judged = ms.filter((m) => m.slo !== null);
  if (fault.status !== 'proven') {
    const why =
      fault.status === 'none'
        ? 'no fault injected'
        : `fault ${fault.status}${fault.reason ? `: ${fault.reason}` : ''}`;
    return { verdict: 'unknown', message: `${why}; no measurement` };
  }
  const verdict = worstVerdict([...judged, ...alerts].map((x) => x.verdict));
  // An alert's detection measurements are told through its outcome, not listed as SLOs again.
  const slos = judged.filter((m) => !isAlertMeasurementName(m.name));
  const failed = slos.filter((m) => m.verdict === 'fail').map((m) => m.name);
  const unknown = slos.filter((m) => m.verdict === 'unknown').map((m) => m.name);
  const parts = [`${slos.length - failed.length - unknown.length}/${slos.length} SLOs pass`];
  if (failed.length) parts.push(`failed: ${failed.join(', ')}`);
  if (unknown.length) parts.push(`unknown: ${unknown.join(', ')}`);
  const expected = alerts.filter((a) => a.role === 'expected');
  if (expected.length) {
    const ok = expected.filter((a) => a.verdict === 'pass').length;
    parts.push(`${ok}/${expected.length} expected alerts pass`);
  }
  for (const v of ['fail', 'unknown'] as const) {
    const names = alerts.filter((a) => a.verdict === v).map(alertName);
    if (names.length) parts.push(`alerts ${v === 'fail' ? 'failed' : 'unknown'}: ${names.join(', ')}`);
  }
  return { verdict, message: parts.join('; ') };
}

/** `APIServerDown{instance="cp2"}`, `unexpected EtcdNoLeader`. */
function alertName(a: AlertOutcome): string {
  return `${a.role === 'expected' ? '' : `${a.role} `}${a.alert}${labelText(a.labels)}`;
}

export function phasesOf(timeline: readonly TimelineEvent[]): PhaseRecord[] {
  const out: PhaseRecord[] = [];
  const open = new Map<string, number>();
  for (const e of eventsOf(timeline, 'phase')) {
    if (e.state === 'start') {
      open.set(e.phase, out.length);
      out.push({ phase: e.phase, startMs: e.atMs, endMs: null });
    } else {
      const i = open.get(e.phase);
      if (i === undefined) continue;
      open.delete(e.phase);
      out[i] = {
        ...out[i]!,
        endMs: e.atMs,
        ...(e.ok !== undefined ? { ok: e.ok } : {}),
        ...(e.message ? { message: e.message } : {}),
      };
    }
  }
  return out;
}

export function summarizeFault(timeline: readonly TimelineEvent[]): FaultSummary {
  const heal = healOf(timeline);
  const invoke = eventsOf(timeline, 'fault.invoke')[0];
  if (!invoke) return { status: 'none', heal };
  const proofs = eventsOf(timeline, 'fault.proof').map((p) => ({ atMs: p.atMs, proof: p.proof }));
  const noeffect = eventsOf(timeline, 'fault.noeffect')[0];
  const effect = eventsOf(timeline, 'fault.effect')[0];
  return {
    status: proofs.length ? 'proven' : noeffect ? 'noeffect' : 'unproven',
    fault: invoke.fault,
    target: invoke.target,
    injectedAtMs: invoke.atMs,
    ...(effect ? { effect: { atMs: effect.atMs, how: effect.how } } : {}),
    proofs,
    ...(noeffect && !proofs.length ? { reason: noeffect.reason } : {}),
    heal,
  };
}

function healOf(timeline: readonly TimelineEvent[]): HealSummary {
  const invoke = eventsOf(timeline, 'heal.invoke')[0];
  const error = eventsOf(timeline, 'heal.error').at(-1);
  const done = eventsOf(timeline, 'heal.done').at(-1);
  if (!invoke && !done && !error) return { status: 'not-run' };
  const atMs = invoke?.atMs ?? done?.atMs ?? error!.atMs;
  if (done && (!error || done.atMs > error.atMs)) return { status: 'done', atMs, doneMs: done.atMs };
  if (error) return { status: 'error', atMs, error: error.error };
  return { status: 'invoked', atMs };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
