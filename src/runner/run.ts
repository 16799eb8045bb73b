/**
 * The drill runner: preflight → probes → baseline → inject → observe → heal → verify → analyze
 * → report. Heal is guaranteed: it runs in `finally`, on abort (SIGINT/SIGTERM) and after any
 * error; it uses only the target's executor. A thrown error becomes a timeline event. Nothing
 * is injected when preflight fails. Every side effect comes in through the options. Observation
 * ends by the analysis' own sustained-success rule (src/runner/recovery.ts), and the analysis runs
 * once per run, in buildRunResult, which also hands its measurements to `--repeat` statistics.
 */
import { randomBytes } from 'node:crypto';
import type { AnalysisContext, Finding } from '../analysis/types.ts';
import type { InjectOutcome } from '../faults/types.ts';
import { buildRunResult } from '../model/build.ts';
import type { AlertingContext } from '../monitoring/types.ts';
import { alertsProbe } from '../probes/alerts.ts';
import { type K6Run, startK6 } from '../probes/k6.ts';
import { BuiltinLoad } from '../probes/load.ts';
import { describeProblems, onProblemsChange } from '../probes/steady.ts';
import { checkInterlocks } from '../safety/interlocks.ts';
import type { Phase } from '../timeline/events.ts';
import { TimelineRecorder } from '../timeline/recorder.ts';
import { sleep } from '../util/time.ts';
import { AUTO_BASELINE, baselineMaxMs, waitBaseline } from './baseline.ts';
import { alertingFor, holdMaxMs, resolveMaxMs, undetected, unresolved } from './detection.ts';
import { observeFault, settleAfterHeal } from './observe.ts';
import type { RunOptions, RunOutcome } from './options.ts';
import { REAL_OPS } from './options.ts';
import { checkPromqlSlos } from './promql.ts';
import { apiSteadyAt, settledSince } from './recovery.ts';
import { faultSpanMs, type ScenarioContext, scenarioAnalysis } from './scenario.ts';

export async function runScenario(o: RunOptions): Promise<RunOutcome> {
  const recorder = o.recorder ?? new TimelineRecorder();
  const ops = o.ops ?? REAL_OPS;
  const runner = recorder.sink('runner');
  const startedAt = new Date().toISOString();
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const timings = await o.target.timings();
  const base: ScenarioContext = {
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

  // A hold until detected may keep the fault longer than the scenario observes: a fault its host
  // restores by itself (a link's own timer) must last that long too, so a hold reads the
  // monitoring stack first (read-only; a failure is the preflight's to report).
  let alerting: AlertingContext | undefined;
  if (o.monitoring?.holdUntilDetected)
    alerting = await alertingFor(o.monitoring, o.scenario, base).catch(() => undefined);
  const held = alerting;
  const holdMs = held ? holdMaxMs(held) + 5000 : 0;
  const ctx: ScenarioContext = held
    ? {
        ...base,
        holdMs,
        untilDetected: async (effectMs) => {
          const until = performance.now() + holdMs;
          while (
            performance.now() < until &&
            undetected(recorder.events(), effectMs, held, recorder.clock.nowMs()).length > 0
          )
            await sleep(500, o.signal);
        },
      }
    : base;
  // Resolve the fault first: bad options fail here, before anything touches the cluster.
  const fault = await o.scenario.fault(ctx);
  checkInterlocks(fault, o.target.topology, o.allowUnsafe ?? false, o.scenario.name);
  // Preflight: nothing is injected unless steady state holds.
  const preflight = await phase(
    'preflight',
    async () => {
      const s = await ops.checkSteady(o.target, o.kube, timings);
      if (!s.ok || !o.monitoring) return s;
      // The monitoring stack answers, and what it runs with is what the windows are computed from.
      const check = { name: 'monitoring', ok: true, detail: o.monitoring.stack.origin };
      try {
        alerting ??= await alertingFor(o.monitoring, o.scenario, ctx);
        return { ...s, checks: [...s.checks, check] };
      } catch (err) {
        const detail = `${o.monitoring.stack.origin}: ${(err as Error).message}`;
        return { ok: false, checks: [...s.checks, { ...check, ok: false, detail }] };
      }
    },
    (s) => ({ ok: s.ok, message: s.ok ? 'steady state holds' : describeProblems(s) }),
  );
  // Read-only inspection (certificate expiry, host command times), whatever the preflight finds:
  // at once when it failed (an expired certificate is most worth seeing then), else once the
  // probes have stopped, beside the read-back. Never beside the preflight, where its commands
  // delayed the preflight's own (over ssh the VIP check's 1 s per LB was missed, "VIP held by
  // nobody"), nor beside the probes it would slow; before the drill it cost every run 0.3–0.8 s.
  const inspect = (): Promise<Finding[]> =>
    (ops.inspect?.(o.target) ?? Promise.resolve([])).catch((err: unknown) => [
      {
        id: 'inspect',
        severity: 'info' as const,
        message: `target inspection failed: ${(err as Error).message}`,
      },
    ]);
  if (!preflight.ok) {
    const inspected = await inspect();
    const result = buildRunResult({
      meta: meta(),
      timeline: recorder.events(),
      analysis: { ...scenarioAnalysis(o.scenario, o.slos), timings },
      preflight: { ok: false, message: `steady state does not hold: ${describeProblems(preflight)}` },
      extraFindings: inspected,
    });
    return { result, preflight, healed: true };
  }

  await ops.prepare(o.target, o.kube);
  const probesAbort = new AbortController();
  const baseline = o.baseline ?? AUTO_BASELINE;
  // A hold may observe longer than the scenario would (an alert's `for` of 5 minutes).
  const observeMs = faultSpanMs(o.scenario, ctx);
  const maxRunMs = baselineMaxMs(baseline) + observeMs + (alerting ? resolveMaxMs(alerting) : 0) + 180_000;
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
      const effectMs = outcome.effectAt?.atMs ?? injectedAtMs!;
      const untilMs = performance.now() + observeMs;
      await phase(
        'observe',
        () =>
          observeFault({
            untilMs,
            recovered: () => o.scenario.recovered(recorder.events(), injectedAtMs!, ctx),
            undetected: () =>
              held ? undetected(recorder.events(), effectMs, held, recorder.clock.nowMs()) : [],
            aborted: () => aborted !== undefined,
          }),
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
  // What steady state still waits for after the heal, on the timeline each time it changes.
  const verify = await phase(
    'verify',
    () =>
      ops.waitSteady(
        o.target,
        o.kube,
        o.verifyTimeoutMs ?? 120_000,
        onProblemsChange((problems) =>
          runner.record({ type: 'note', message: `verify: waiting for ${problems}` }),
        ),
        timings,
      ),
    (s) => ({ ok: s.ok, message: s.ok ? 'steady state holds again' : describeProblems(s) }),
  ).catch(() => undefined);
  // After the heal: the expected alerts that fired resolve (resolve_ is measured, not cut off),
  // then the API is steady (a VIP preempted back to its MASTER is observed to its end).
  const healedAt = healAtMs;
  // Every request sent until now (the heal and verify included) is recorded before the API is judged steady.
  const healEndMs = recorder.clock.nowMs();
  if (healedAt !== undefined)
    await settleAfterHeal({
      unresolved: () =>
        alerting ? unresolved(recorder.events(), healedAt, alerting, recorder.clock.nowMs()) : [],
      apiSteady: () =>
        settledSince(recorder.events(), healEndMs) &&
        apiSteadyAt(recorder.events(), recorder.clock.nowMs(), ctx.sustained),
      aborted: () => aborted !== undefined,
      signal: o.signal,
    });
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
  const inspecting = inspect();
  // The PromQL SLOs' range queries run beside the read-back (they read Prometheus, it the API).
  const promqlChecks =
    o.monitoring && alerting && injectedAtMs !== undefined && (o.promql ?? []).length > 0
      ? checkPromqlSlos({
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
  const promql = await promqlChecks;
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
  const inspected = await inspecting;
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
    extraFindings: inspected,
    ...(o.repetition ? { repetition: o.repetition } : {}),
    ...(o.analyze ? { analyze: o.analyze } : {}),
  });
  return { result, preflight, verify, healed };
}
