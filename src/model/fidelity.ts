/**
 * Fidelity of a run: which timing inputs its expected windows were computed from and where each
 * came from (`TimingInputs.origins`, src/targets/defaults.ts), the fault's inject latency
 * (`fault.effect`), and the problems that make its numbers untrustworthy as a picture of the
 * cluster's configuration: a fault not proven, a measurement null or only a lower bound, a
 * measurement outside its expected window, a measurement with no window because a timing input
 * its rule needs is undefined. Pure; `--gate-fidelity` (exit.ts) fails on any problem.
 */
import { DEFAULT_WINDOWS } from '../analysis/expected.ts';
import type { Measurement, WindowRule, WindowRules } from '../analysis/types.ts';
import { type AnyMeasurementName, isMeasurementName, type MeasurementName } from '../slo/types.ts';
import type { TimingInputs, TimingKey, TimingOrigin } from '../targets/defaults.ts';
import type { FaultSummary, Fidelity, FidelityProblem, TimingRecord } from './result.ts';

/**
 * Every timing input in report order, each with a stand-in value used only to find which inputs
 * a window rule needs (a `Record` over `TimingKey`, so a new input cannot be left out).
 */
const STAND_IN: Readonly<Record<TimingKey, number | string>> = {
  nodeMonitorGracePeriodS: 1,
  nodeMonitorPeriodS: 1,
  nodeLeaseRenewIntervalS: 1,
  tolerationSeconds: 1,
  masterLeaseTtlS: 1,
  endpointReconcileIntervalS: 1,
  shutdownDelayS: 1,
  leaseDurationS: 1,
  retryPeriodS: 1,
  etcdHeartbeatMs: 1,
  etcdElectionMs: 1,
  lbChecker: 'haproxy',
  checkInterMs: 1,
  checkFastinterMs: 1,
  checkTimeoutMs: 1,
  checkConnectTimeoutMs: 1,
  fall: 1,
  rise: 1,
  advertIntS: 1,
  priority: 1,
  vrrpVersion: 2,
};
const INPUTS = Object.keys(STAND_IN) as TimingKey[];

const isSet = (t: TimingInputs, k: TimingKey): boolean => t[k] !== undefined && t[k] !== null;

/**
 * The inputs a rule lacks on these timings: [] when it gives a window; undefined when it gives
 * none even with every input set (no window by design, e.g. `noWindow`). An input is lacking
 * when the rule gives no window with every other unset input stood in for.
 */
export function missingInputs(rule: WindowRule, t: TimingInputs): TimingKey[] | undefined {
  if (rule(t, {})) return [];
  const unset = INPUTS.filter((k) => !isSet(t, k));
  const fill = (keys: readonly TimingKey[]) => ({
    ...t,
    ...Object.fromEntries(keys.map((k) => [k, STAND_IN[k]])),
  });
  if (!rule(fill(unset), {})) return undefined;
  return unset.filter((k) => !rule(fill(unset.filter((x) => x !== k)), {}));
}

export interface FidelityInput {
  /** AnalysisContext.timings: the target's inputs with their origins. */
  readonly timings?: TimingInputs;
  /** The scenario's window rules (AnalysisContext.windows); the defaults apply to the rest. */
  readonly windows?: WindowRules;
  readonly measurements: readonly Measurement[];
  readonly fault: FaultSummary;
  readonly preflightFailed?: boolean;
}

export function fidelityOf(input: FidelityInput): Fidelity {
  const t: TimingInputs = input.timings ?? {};
  const origins = t.origins ?? {};
  const lacking = new Map<MeasurementName, TimingKey[]>();
  for (const m of input.measurements) {
    // An alert's detection window comes from the monitoring stack, not from these timing inputs.
    if (!isMeasurementName(m.name)) continue;
    const rule = input.windows?.[m.name] ?? DEFAULT_WINDOWS[m.name];
    if (m.expected || !rule) continue;
    const missing = missingInputs(rule, t);
    if (missing) lacking.set(m.name, missing);
  }
  const timings: TimingRecord[] = INPUTS.filter((k) => isSet(t, k)).map((k) => ({
    input: k,
    value: t[k] as number | string,
    origin: (origins[k] as TimingOrigin | undefined) ?? null,
  }));
  for (const k of INPUTS) {
    const neededBy = [...lacking].filter(([, keys]) => keys.includes(k)).map(([name]) => name);
    if (neededBy.length) timings.push({ input: k, value: null, origin: null, neededBy });
  }
  const lab = labSource(timings);
  const f = input.fault;
  return {
    source: lab ? { kind: 'lab', where: lab } : { kind: 'target' },
    timings,
    ...(f.status !== 'none' && f.effect
      ? { injectLatency: { ms: f.effect.atMs - f.injectedAtMs, how: f.effect.how } }
      : {}),
    problems: problemsOf(input, lacking),
  };
}

/** The lab preset's name when every set input has it as its origin. */
function labSource(timings: readonly TimingRecord[]): string | undefined {
  const set = timings.filter((r) => r.value !== null);
  const wheres = new Set(set.map((r) => (r.origin?.kind === 'lab' ? r.origin.where : undefined)));
  const [where] = wheres;
  return set.length > 0 && wheres.size === 1 ? where : undefined;
}

function problemsOf(
  input: FidelityInput,
  lacking: ReadonlyMap<AnyMeasurementName, TimingKey[]>,
): FidelityProblem[] {
  const out: FidelityProblem[] = [];
  const f = input.fault;
  if (f.status !== 'proven') {
    const why =
      f.status === 'none'
        ? `no fault was injected${input.preflightFailed ? ' (preflight failed)' : ''}`
        : `fault ${f.fault} ${f.status === 'noeffect' ? 'had no effect' : 'not proven'}${f.reason ? `: ${f.reason}` : ''}`;
    out.push({ kind: 'fault-not-proven', message: `${why}; no measurement was made` });
  }
  for (const m of input.measurements) {
    const name = m.name;
    // Without a proven fault every value is null for that one reason, said above.
    if (m.value === null && f.status === 'proven')
      out.push({
        kind: 'measurement-null',
        measurement: name,
        // An alert's measurement says in its message why it has no number (never fired, …).
        message: isMeasurementName(name) ? `${name}: not observed: ${m.detail}` : `${name}: ${m.message}`,
      });
    if (m.value !== null && m.lowerBound)
      out.push({
        kind: 'measurement-lower-bound',
        measurement: name,
        message: `${name}: only a lower bound (≥ ${m.value} ${m.unit}): ${m.detail}`,
      });
    if (m.expected?.outside)
      out.push({
        kind: 'outside-window',
        measurement: name,
        message: `${name}: ${m.value} ${m.unit} outside the expected window [${m.expected.min}, ${m.expected.max}] (${m.expected.formula})`,
      });
    const missing = lacking.get(name);
    if (missing)
      out.push({
        kind: 'timing-undefined',
        measurement: name,
        message: `${name}: no expected window: ${missing.length ? `${missing.join(', ')} undefined` : 'a timing input its rule needs is undefined'} on this target`,
      });
  }
  return out;
}
