/**
 * History comparison: this run's measurements against the newest earlier run of the same
 * scenario, target and configuration. Pure; reading earlier report.json files is I/O and lives in
 * src/reporters/history-store.ts.
 *
 * A run's configuration (`RunConfig`) is what decides the numbers apart from the cluster's
 * behaviour: the lab preset, the timing inputs the expected windows derive from (`TimingInputs`,
 * read from the target; their origins do not enter it), and the scenario options the user gave (victim host/member, signal, variant,
 * toleration). Runs are compared only when their fingerprints are equal; earlier runs of the
 * same scenario and target with another (or no recorded) configuration are counted, not compared.
 */
import { createHash } from 'node:crypto';
import type { AlertingContext } from '../monitoring/types.ts';
import type { AnyMeasurementName } from '../slo/types.ts';
import type { TimingInputs } from '../targets/defaults.ts';
import type { Measurement, Verdict } from './types.ts';

type Scalar = string | number | boolean;

export interface RunConfig {
  /** Lab preset (`fast`, `seeds`…); null on a real cluster. */
  readonly preset: string | null;
  /** The target's timing inputs, as read for this run (keys sorted). */
  readonly timings: Readonly<Record<string, number>>;
  /** Scenario options given for this run (keys sorted, unset ones left out). */
  readonly options: Readonly<Record<string, Scalar>>;
  /** 12 hex digits of sha256 over the three above: equal fingerprints ⇔ comparable runs. */
  readonly fingerprint: string;
}

/**
 * The configuration of a run from its preset, scenario options and the target's timings, plus,
 * when the drill ran with Prometheus, the monitoring timings the detection windows derive from
 * (`prometheus.*`, `alertmanager.groupWaitS`, and `for`/`keep_firing_for`/evaluation interval
 * of the expected alerts' rules as `rule.<group>/<alert>.*`).
 */
export function runConfigOf(
  meta: { readonly preset?: string; readonly params?: Readonly<Record<string, unknown>> },
  timings: TimingInputs | undefined,
  alerting?: AlertingContext,
): RunConfig {
  const preset = meta.preset ?? null;
  const t = sortedScalars(
    { ...timings, ...(alerting ? alertingTimings(alerting) : {}) },
    (v): v is number => typeof v === 'number',
  );
  const options = sortedScalars(meta.params ?? {}, isScalar);
  const canonical = JSON.stringify([preset, Object.entries(t), Object.entries(options)]);
  const fingerprint = createHash('sha256').update(canonical).digest('hex').slice(0, 12);
  return { preset, timings: t, options, fingerprint };
}

function alertingTimings(a: AlertingContext): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {
    'prometheus.scrapeIntervalS': a.scrapeIntervalS,
    'prometheus.scrapeTimeoutS': a.scrapeTimeoutS,
    'prometheus.evaluationIntervalS': a.evaluationIntervalS,
    'prometheus.pollIntervalS': a.pollIntervalS,
    'alertmanager.groupWaitS': a.groupWaitS,
  };
  const wanted = new Set(a.alerts.expected.map((x) => x.alert));
  for (const r of a.rules.filter((r) => wanted.has(r.name))) {
    let key = `rule.${r.group}/${r.name}`;
    for (let i = 2; `${key}.forS` in out; i++) key = `rule.${r.group}/${r.name}#${i}`;
    out[`${key}.forS`] = r.forS;
    out[`${key}.keepFiringForS`] = r.keepFiringForS;
    out[`${key}.evaluationIntervalS`] = r.evaluationIntervalS;
  }
  return out;
}

/** An earlier run as found in the report store. */
export interface PreviousRun {
  readonly scenario: string;
  readonly target: string;
  readonly startedAt: string;
  /** The report directory it was read from. */
  readonly dir: string;
  /** null: written before configurations were recorded, so never comparable. */
  readonly config: RunConfig | null;
  readonly measurements: readonly Pick<Measurement, 'name' | 'value' | 'verdict'>[];
}

export interface HistoryEntry {
  readonly name: AnyMeasurementName;
  readonly previous: number | null;
  readonly current: number | null;
  /** current − previous, null when either is missing. */
  readonly delta: number | null;
  /** delta / previous × 100, null when undefined. */
  readonly deltaPct: number | null;
  readonly previousVerdict: Verdict | null;
  readonly currentVerdict: Verdict;
  /** Verdict got worse (pass → unknown/fail, unknown → fail). */
  readonly regressed: boolean;
}

export type HistoryDelta =
  | {
      readonly kind: 'compared';
      readonly previous: { readonly startedAt: string; readonly dir: string };
      /** Why that run was chosen, as a sentence for the reports. */
      readonly matchedOn: string;
      /** Newer runs of this scenario and target passed over for another configuration. */
      readonly skipped: number;
      readonly entries: readonly HistoryEntry[];
    }
  | {
      readonly kind: 'unmatched';
      readonly skipped: number;
      /** What the report says instead of a comparison. */
      readonly message: string;
    };

export interface CurrentRun {
  readonly scenario: string;
  readonly target: string;
  readonly startedAt: string;
  readonly config: RunConfig;
}

const RANK: Readonly<Record<Verdict, number>> = { pass: 0, unknown: 1, fail: 2 };

/**
 * Compare with the newest earlier run of the same scenario, target and configuration. Undefined
 * when there is no earlier run of this scenario on this target at all.
 */
export function compareWithHistory(
  current: CurrentRun,
  measurements: readonly Measurement[],
  earlier: readonly PreviousRun[],
): HistoryDelta | undefined {
  const candidates = earlier
    .filter((r) => r.scenario === current.scenario && r.target === current.target)
    .filter((r) => r.startedAt < current.startedAt)
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  if (candidates.length === 0) return undefined;
  const index = candidates.findIndex((r) => r.config?.fingerprint === current.config.fingerprint);
  if (index === -1) return unmatched(current.config, candidates);
  const match = candidates[index]!;
  return {
    kind: 'compared',
    previous: { startedAt: match.startedAt, dir: match.dir },
    matchedOn: `same scenario (${current.scenario}), target (${current.target}) and configuration ${describeConfig(current.config)}`,
    skipped: index,
    entries: compareEntries(measurements, match),
  };
}

function unmatched(config: RunConfig, candidates: readonly PreviousRun[]): HistoryDelta {
  const n = candidates.length;
  const unrecorded = candidates.filter((r) => r.config === null).length;
  const newest = candidates.find((r) => r.config !== null);
  const parts = [
    `no previous run with the same timing configuration (preset, timings, options); ${n} run${n === 1 ? '' : 's'} with other configurations skipped`,
  ];
  if (unrecorded > 0) parts.push(`${unrecorded} written before configurations were recorded`);
  if (newest?.config)
    parts.push(
      `the newest (${newest.startedAt}) differs in ${configDifferences(newest.config, config).join(', ')}`,
    );
  return { kind: 'unmatched', skipped: n, message: parts.join('; ') };
}

/** `preset fast, options signal=KILL, fingerprint 0123456789ab` (the fingerprint covers the timings). */
export function describeConfig(c: RunConfig): string {
  const options = Object.entries(c.options).map(([k, v]) => `${k}=${v}`);
  return [
    c.preset === null ? 'no preset' : `preset ${c.preset}`,
    options.length ? `options ${options.join(' ')}` : 'no options',
    `fingerprint ${c.fingerprint}`,
  ].join(', ');
}

/** What differs between an earlier configuration and this one: `preset seeds ≠ fast`, … */
export function configDifferences(earlier: RunConfig, now: RunConfig): string[] {
  const out: string[] = [];
  if (earlier.preset !== now.preset) out.push(`preset ${earlier.preset ?? 'none'} ≠ ${now.preset ?? 'none'}`);
  out.push(...recordDifferences('', earlier.timings, now.timings));
  out.push(...recordDifferences('option ', earlier.options, now.options));
  return out.length ? out : ['fingerprint only (same inputs, other fingerprint rule)'];
}

function recordDifferences(
  prefix: string,
  a: Readonly<Record<string, Scalar>>,
  b: Readonly<Record<string, Scalar>>,
): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys
    .filter((k) => a[k] !== b[k])
    .map((k) => `${prefix}${k} ${a[k] ?? 'unset'} ≠ ${b[k] ?? 'unset'}`);
}

function compareEntries(current: readonly Measurement[], previous: PreviousRun): HistoryEntry[] {
  const prev = new Map(previous.measurements.map((m) => [m.name, m]));
  return current.map((m): HistoryEntry => {
    const p = prev.get(m.name);
    const pv = p?.value ?? null;
    const delta = pv !== null && m.value !== null ? round(m.value - pv) : null;
    return {
      name: m.name,
      previous: pv,
      current: m.value,
      delta,
      deltaPct: delta !== null && pv ? round((delta / pv) * 100) : null,
      previousVerdict: p?.verdict ?? null,
      currentVerdict: m.verdict,
      regressed: p ? RANK[m.verdict] > RANK[p.verdict] : false,
    };
  });
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function sortedScalars<T extends Scalar>(
  record: object,
  keep: (v: unknown) => v is T,
): Readonly<Record<string, T>> {
  const entries = Object.entries(record).filter((e): e is [string, T] => keep(e[1]));
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
