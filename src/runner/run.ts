/**
 * The drill runner: preflight → probes → baseline → inject → observe → heal → verify → analyze
 * → report. Heal is guaranteed: it runs in `finally`, on abort (SIGINT/SIGTERM) and after any
 * error; it uses only the target's executor. A thrown error becomes a timeline event. Nothing
 * is injected when preflight fails. Every side effect comes in through the options. Observation
 * ends by the analysis' own sustained-success rule (src/runner/recovery.ts), and the analysis runs
 * once per run, in buildRunResult, which also hands its measurements to `--repeat` statistics.
 */
import { randomBytes } from 'node:crypto';
import type { analyze } from '../analysis/analyze.ts';
import type { PreviousRun } from '../analysis/history.ts';
import type { RepetitionStat } from '../analysis/stats.ts';
import type { AnalysisContext, Measurement, SustainedRule } from '../analysis/types.ts';
import type { Fault, InjectOutcome } from '../faults/types.ts';
import { buildRunResult } from '../model/build.ts';
import type { RunResult } from '../model/result.ts';
import type { PromqlSlo } from '../monitoring/promql.ts';
import type { AlertingContext } from '../monitoring/types.ts';
import { alertsProbe } from '../probes/alerts.ts';
import { type K6Run, type K6Script, startK6 } from '../probes/k6.ts';
import type { KubeAccess } from '../probes/kube.ts';
import { BuiltinLoad } from '../probes/load.ts';
import { checkSteadyState, describeProblems, type SteadyState, waitSteadyState } from '../probes/steady.ts';
import { cleanupWrites, ensureDrillNamespace, readBack } from '../probes/writes.ts';
import { checkInterlocks } from '../safety/interlocks.ts';
import type { SloSet } from '../slo/types.ts';
import type { Target } from '../targets/types.ts';
import type { Phase } from '../timeline/events.ts';
import { TimelineRecorder } from '../timeline/recorder.ts';
import { sleep } from '../util/time.ts';
import { AUTO_BASELINE, type BaselineRule, baselineMaxMs, waitBaseline } from './baseline.ts';
import { alertingFor, holdMaxMs, type MonitoringRun, undetected, unresolved } from './detection.ts';
import { checkPromqlSlos } from './promql.ts';
import { apiSteadyAt } from './recovery.ts';
import { type Scenario, type ScenarioContext, type ScenarioOptions, scenarioAnalysis } from './scenario.ts';

export type LoadRequest =
  | { readonly kind: 'builtin'; readonly ratePerS: number }
  | { readonly kind: 'k6'; readonly script: K6Script };

/** The runner's cluster-facing side effects, injectable so tests can run it without a cluster. */
export interface RunnerOps {
  checkSteady(target: Target, kube: KubeAccess): Promise<SteadyState>;
  waitSteady(target: Target, kube: KubeAccess, timeoutMs: number): Promise<SteadyState>;
  prepare(target: Target, kube: KubeAccess): Promise<void>;
  readBack(target: Target, kube: KubeAccess, runId: string, recorder: TimelineRecorder): Promise<void>;
  cleanup(target: Target, kube: KubeAccess, runId: string): Promise<void>;
}

export const REAL_OPS: RunnerOps = {
  checkSteady: checkSteadyState,
  waitSteady: (t, k, ms) => waitSteadyState(t, k, ms),
  prepare: (t, k) => ensureDrillNamespace(k, t.topology.apiUrl),
  async readBack(t, k, runId, recorder) {
    // The API may still be settling right after a heal: try a few times before giving up on RPO.
    for (let attempt = 1; ; attempt++) {
      try {
        await readBack(k, t.topology.apiUrl, runId, recorder.events(), recorder.sink('runner'));
        return;
      } catch (err) {
        if (attempt >= 4) throw err;
        await sleep(1000 * attempt);
      }
    }
  },
  cleanup: (t, k, runId) => cleanupWrites(k, t.topology.apiUrl, runId),
};

export interface RunOptions {
  readonly ops?: RunnerOps;
  readonly scenario: Scenario;
  readonly target: Target;
  readonly kube: KubeAccess;
  readonly slos: SloSet;
  readonly options?: ScenarioOptions;
  /** The sustained-success rule (config `sustainedSuccessS`): observation and analysis both use it. */
  readonly sustained?: SustainedRule;
  readonly recorder?: TimelineRecorder;
  /** Aborts observation (SIGINT/SIGTERM): the runner heals, verifies and reports `aborted`. */
  readonly signal?: AbortSignal;
  /** How long probes run before the fault (src/runner/baseline.ts; default: until every probe reported). */
  readonly baseline?: BaselineRule;
  /**
   * After recovery, keep observing at least this long (so the report shows the tail); the heal and
   * the verify count toward it, since the probes keep recording through both.
   */
  readonly tailMs?: number;
  /** Time allowed for steady state after heal. */
  readonly verifyTimeoutMs?: number;
  readonly harnessVersion?: string;
  /** This run's place in a `--repeat N` series, and the series' statistics (given on the last run). */
  readonly repeat?: { readonly index: number; readonly of: number };
  readonly repetition?: (measurements: readonly Measurement[]) => readonly RepetitionStat[];
  /** Earlier runs of this scenario on this target, for the history comparison. */
  readonly previous?: readonly PreviousRun[];
  readonly preset?: string;
  /** Called right after the fault is invoked and after it is healed (the heal journal hooks in here). */
  readonly onInjecting?: (fault: Fault) => Promise<void> | void;
  /** Background load through the LB during the drill: the built-in generator, or k6. */
  readonly load?: LoadRequest;
  /** Inject even past the blast-radius interlocks (quorum, every apiserver, the only LB): --allow-unsafe named this scenario. */
  readonly allowUnsafe?: boolean;
  readonly onHealed?: (fault: Fault) => Promise<void> | void;
  /**
   * The monitoring stack the drill watches for alerts (src/runner/detection.ts): read in
   * preflight, polled by the detection probe; `holdUntilDetected` keeps the fault in place.
   */
  readonly monitoring?: MonitoringRun;
  /** The drill config's PromQL SLOs for this scenario, checked over the fault window (needs monitoring). */
  readonly promql?: readonly PromqlSlo[];
  /** The analysis (src/analysis/analyze.ts by default); injectable so tests can count its runs. */
  readonly analyze?: typeof analyze;
}

export interface RunOutcome {
  readonly result: RunResult;
  readonly preflight: SteadyState;
  readonly verify?: SteadyState;
  readonly healed: boolean;
}

/** How long the end of a run waits at most for the API to be steady again. */
const STEADY_END_MAX_MS = 30_000;

export async function runScenario(o: RunOptions): Promise<RunOutcome> {
  const recorder = o.recorder ?? new TimelineRecorder();
  const ops = o.ops ?? REAL_OPS;
  const runner = recorder.sink('runner');
  const startedAt = new Date().toISOString();
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const timings = await o.target.timings();
  const ctx: ScenarioContext = {
    target: o.target,
    kube: o.kube,
    timings,
    options: o.options ?? {},
    runId,
    sink: recorder.sink(o.scenario.name),
    sustained: o.sustained ?? {},
  };
  const phase = async <T>(
    p: Phase,
    body: () => Promise<T>,
    ok?: (v: T) => { ok: boolean; message?: string },
  ) => {
    runner.record({ type: 'phase', phase: p, state: 'start' });
    try {
      const v = await body();
      const verdict = ok?.(v) ?? { ok: true };
      runner.record({ type: 'phase', phase: p, state: 'end', ...verdict });
      return v;
    } catch (err) {
      runner.error(err, p);
      runner.record({ type: 'phase', phase: p, state: 'end', ok: false, message: (err as Error).message });
      throw err;
    }
  };
  const meta = () => ({
    scenario: o.scenario.name,
    target: o.target.topology.name,
    preset: o.preset,
    variant: o.options?.variant,
    startedAt,
    finishedAt: new Date().toISOString(),
    harnessVersion: o.harnessVersion ?? '0.0.0',
    params: { ...o.options },
    ...(o.repeat ? { repeat: o.repeat } : {}),
  });

  // Resolve the fault first: bad options fail here, before anything touches the cluster.
  const fault = await o.scenario.fault(ctx);
  checkInterlocks(fault, o.target.topology, o.allowUnsafe ?? false, o.scenario.name);
  // Preflight: nothing is injected unless steady state holds.
  let alerting: AlertingContext | undefined;
  const preflight = await phase(
    'preflight',
    async () => {
      const s = await ops.checkSteady(o.target, o.kube);
      if (!s.ok || !o.monitoring) return s;
      // The monitoring stack answers, and what it runs with is what the windows are computed from.
      const check = { name: 'monitoring', ok: true, detail: o.monitoring.stack.origin };
      try {
        alerting = await alertingFor(o.monitoring, o.scenario, ctx);
        return { ...s, checks: [...s.checks, check] };
      } catch (err) {
        const detail = `${o.monitoring.stack.origin}: ${(err as Error).message}`;
        return { ok: false, checks: [...s.checks, { ...check, ok: false, detail }] };
      }
    },
    (s) => ({ ok: s.ok, message: s.ok ? 'steady state holds' : describeProblems(s) }),
  );
  if (!preflight.ok) {
    const result = buildRunResult({
      meta: meta(),
      timeline: recorder.events(),
      analysis: { ...scenarioAnalysis(o.scenario, o.slos), timings },
      preflight: { ok: false, message: `steady state does not hold: ${describeProblems(preflight)}` },
    });
    return { result, preflight, healed: true };
  }

  await ops.prepare(o.target, o.kube);
  const probesAbort = new AbortController();
  const baseline = o.baseline ?? AUTO_BASELINE;
  const maxRunMs = baselineMaxMs(baseline) + o.scenario.observeMs(timings, ctx.options) + 180_000;
  let probeRuns: Promise<void>[] = [];
  let outcome: InjectOutcome | undefined;
  let injectedAtMs: number | undefined;
  let healed = false;
  let load: BuiltinLoad | undefined;
  let k6: K6Run | undefined;
  let healAtMs: number | undefined;
  let aborted: { signal: string; atMs: number } | undefined;
  const onAbort = () => {
    aborted ??= { signal: String(o.signal?.reason ?? 'SIGINT'), atMs: recorder.clock.nowMs() };
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  try {
    if (o.scenario.setup) await phase('baseline', () => o.scenario.setup!(ctx));
    if (o.load?.kind === 'builtin') {
      load = new BuiltinLoad(o.kube, o.target.topology.apiUrl, () => recorder.clock.nowMs(), {
        ratePerS: o.load.ratePerS,
      });
      load.start(maxRunMs);
    } else if (o.load?.kind === 'k6') {
      k6 = await startK6(o.kube, o.target.topology.apiUrl, o.load.script, maxRunMs / 1000);
    }
    const probes = [
      ...o.scenario.probes(ctx),
      ...(o.monitoring && alerting ? [alertsProbe(o.monitoring.stack)] : []),
    ];
    const baselineStartMs = recorder.clock.nowMs();
    probeRuns = probes.map((p) =>
      p
        .run({
          target: o.target,
          kube: o.kube,
          sink: recorder.sink(p.name),
          signal: probesAbort.signal,
          maxRunMs,
          nowMs: () => recorder.clock.nowMs(),
        })
        .catch((err: unknown) => {
          recorder.error(p.name, err, 'probe');
        }),
    );
    await phase(
      'baseline',
      () =>
        waitBaseline({
          rule: baseline,
          probes: probes.map((p) => p.name),
          events: () => recorder.events(),
          nowMs: () => recorder.clock.nowMs(),
          startMs: baselineStartMs,
          signal: o.signal,
        }),
      (message) => ({ ok: true, message }),
    );
    if (!aborted) {
      await phase('inject', async () => {
        runner.record({ type: 'fault.invoke', fault: fault.name, target: fault.aim });
        await o.onInjecting?.(fault);
        injectedAtMs = recorder.clock.nowMs();
        outcome = await fault.inject({ target: o.target, nowMs: () => recorder.clock.nowMs() });
        if (outcome.effect) {
          if (outcome.effectAt && outcome.effectAt.atMs > injectedAtMs)
            recorder.record(
              fault.name,
              { type: 'fault.effect', fault: fault.name, how: outcome.effectAt.how },
              outcome.effectAt.atMs,
            );
          recorder.record(fault.name, { type: 'fault.proof', fault: fault.name, proof: outcome.proof });
        } else
          recorder.record(fault.name, { type: 'fault.noeffect', fault: fault.name, reason: outcome.reason });
      });
    }
    if (outcome?.effect && !aborted) {
      const hold = o.monitoring?.holdUntilDetected && alerting ? alerting : undefined;
      const effectMs = outcome.effectAt?.atMs ?? injectedAtMs!;
      const observeMs = Math.max(
        o.scenario.observeMs(timings, ctx.options),
        hold ? holdMaxMs(hold) + 5000 : 0,
      );
      const deadline = performance.now() + observeMs;
      await phase(
        'observe',
        async () => {
          let waiting: string[] = [];
          while (!aborted && performance.now() < deadline) {
            const events = recorder.events();
            if (o.scenario.recovered(events, injectedAtMs!, ctx)) {
              waiting = hold ? undetected(events, effectMs, hold, recorder.clock.nowMs()) : [];
              if (waiting.length === 0) return 'recovered';
            }
            await sleep(200);
          }
          if (aborted) return 'aborted';
          return waiting.length > 0 ? `deadline while holding for ${waiting.join(', ')}` : 'deadline';
        },
        (v) => ({ ok: v === 'recovered', message: v }),
      );
    }
  } catch (err) {
    runner.error(err, 'drill');
  } finally {
    // Heal whatever happened above: an error, an abort, a fault with no visible effect.
    if (injectedAtMs !== undefined) {
      healAtMs = recorder.clock.nowMs();
      runner.record({ type: 'heal.invoke', fault: fault.name });
      try {
        const detail = await phase('heal', () => fault.heal({ target: o.target }));
        runner.record({ type: 'heal.done', fault: fault.name, detail });
        healed = true;
        await o.onHealed?.(fault);
      } catch (err) {
        runner.record({ type: 'heal.error', fault: fault.name, error: (err as Error).message });
      }
    } else {
      healed = true;
    }
  }
  const verify = await phase(
    'verify',
    () => ops.waitSteady(o.target, o.kube, o.verifyTimeoutMs ?? 120_000),
    (s) => ({ ok: s.ok, message: s.ok ? 'steady state holds again' : describeProblems(s) }),
  ).catch(() => undefined);
  // Expected alerts that fired resolve after the heal: observe until they have (or their resolve
  // window passed), so resolve_ is measured, not cut off by the end of the run.
  if (alerting && healAtMs !== undefined && !aborted) {
    while (unresolved(recorder.events(), healAtMs, alerting, recorder.clock.nowMs()).length > 0 && !aborted)
      await sleep(200, o.signal);
  }
  // End on a steady API (bounded): what the heal and the time after it moved (a VIP preempted back
  // to its MASTER) is observed to its end rather than cut off as a lower bound.
  if (healAtMs !== undefined && !aborted) {
    const until = performance.now() + STEADY_END_MAX_MS;
    while (
      !aborted &&
      performance.now() < until &&
      !apiSteadyAt(recorder.events(), recorder.clock.nowMs(), ctx.sustained)
    )
      await sleep(200, o.signal);
  }
  // The tail: probes keep recording after recovery; heal and verify already gave them that time.
  const observedAfterMs = recorder.clock.nowMs() - (healAtMs ?? recorder.clock.nowMs());
  if (!aborted) await sleep(Math.max(0, (o.tailMs ?? 1000) - observedAfterMs), o.signal);
  probesAbort.abort();
  load?.stop();
  k6?.stop();
  const k6Summary = await k6?.done.catch((err: unknown) => {
    runner.error(err, 'k6 load');
    return undefined;
  });
  await Promise.all(probeRuns);
  const promql =
    o.monitoring && alerting && injectedAtMs !== undefined && (o.promql ?? []).length > 0
      ? await checkPromqlSlos({
          slos: o.promql!,
          stack: o.monitoring.stack,
          fromMs: (outcome?.effect ? outcome.effectAt?.atMs : undefined) ?? injectedAtMs,
          toMs: healAtMs ?? recorder.clock.nowMs(),
          stepS: alerting.evaluationIntervalS,
          clock: recorder.clock,
          sink: recorder.sink('promql'),
        })
      : undefined;
  await phase('analyze', async () => {
    await ops
      .readBack(o.target, o.kube, runId, recorder)
      .catch((err: unknown) => runner.error(err, 'read-back'));
    await ops.cleanup(o.target, o.kube, runId).catch(() => undefined);
    if (o.scenario.teardown)
      await o.scenario.teardown(ctx).catch((err: unknown) => runner.error(err, 'teardown'));
  }).catch(() => undefined);
  o.signal?.removeEventListener('abort', onAbort);
  const analysis: AnalysisContext = {
    ...scenarioAnalysis(o.scenario, o.slos),
    ...o.sustained,
    timings,
    lbCount: o.target.topology.lbs.length,
    ...(alerting ? { alerting } : {}),
    ...(promql ? { promql } : {}),
    ...o.scenario.analysis?.(ctx, fault),
  };
  const timeline = recorder.events();
  const input = {
    meta: meta(),
    timeline,
    analysis,
    aborted,
    previous: o.previous,
    load:
      k6Summary ??
      load?.summary(
        injectedAtMs === undefined
          ? undefined
          : { fromMs: injectedAtMs, toMs: healAtMs ?? recorder.clock.nowMs() },
      ),
  };
  // One analysis: buildRunResult runs it and hands the measurements to the repetition statistics.
  const result = buildRunResult({
    ...input,
    ...(o.repetition ? { repetition: o.repetition } : {}),
    ...(o.analyze ? { analyze: o.analyze } : {}),
  });
  return { result, preflight, verify, healed };
}
