/**
 * The runner without a cluster: fake target, fault, probes and cluster ops. Heal runs exactly
 * once on success, on an inject error, on abort; never without injection; preflight failure
 * injects nothing.
 */
// hadrill-test: unit waits (alone: 6.6 s of wall time, 0.7 s of CPU; scripts/run-files.mjs)
import t from 'tap';
import { apiserverKill } from '../../scenarios/apiserver-kill.ts';
import { analyze } from '../../src/analysis/analyze.ts';
import { repetitionStats } from '../../src/analysis/stats.ts';
import type { Measurement } from '../../src/analysis/types.ts';
import type { Fault, FaultContext, InjectOutcome } from '../../src/faults/types.ts';
import { exitCodeFor } from '../../src/model/exit.ts';
import type { KubeAccess } from '../../src/probes/kube.ts';
import type { SteadyState } from '../../src/probes/steady.ts';
import type { Probe } from '../../src/probes/types.ts';
import type { RunnerOps, RunOptions } from '../../src/runner/options.ts';
import { runScenario } from '../../src/runner/run.ts';
import type { Scenario } from '../../src/runner/scenario.ts';
import type { Target } from '../../src/targets/types.ts';
import { TimelineRecorder } from '../../src/timeline/recorder.ts';
import { sleep } from '../../src/util/time.ts';

const OK: SteadyState = { ok: true, checks: [{ name: 'etcd', ok: true, detail: 'fine' }] };
const BAD: SteadyState = { ok: false, checks: [{ name: 'nodes', ok: false, detail: 'w1 not Ready' }] };

const target: Target = {
  topology: {
    kind: 'lab',
    name: 'fake',
    hosts: [{ name: 'cp1', roles: ['control-plane'], address: '198.18.0.11' }],
    apiUrl: 'https://198.18.0.10:6443',
    apiservers: [{ host: 'cp1', ip: '198.18.0.11', url: 'https://198.18.0.11:6443' }],
    etcd: [],
    lbs: ['lb1', 'lb2'],
    kubeconfigPath: '/nonexistent',
  },
  executor: {
    kind: 'local',
    hosts: () => ['cp1'],
    exec: async () => {
      throw new Error('the fake executor must not be used');
    },
    close: async () => {},
  },
  profile: { name: 'fake', command: () => ({ host: 'cp1', argv: ['true'] }) },
  timings: async () => ({ masterLeaseTtlS: 1, endpointReconcileIntervalS: 1 }),
  close: async () => {},
};

interface Calls {
  inject: number;
  heal: number;
  prepare: number;
}

function fakeFault(
  calls: Calls,
  inject: (ctx: FaultContext) => Promise<InjectOutcome>,
  heal?: () => Promise<string>,
): Fault {
  return {
    name: 'fake-kill',
    aim: { host: 'cp1', ip: '198.18.0.11' },
    summary: 'fake',
    plan: () => [],
    async inject(ctx) {
      calls.inject += 1;
      return inject(ctx);
    },
    async heal() {
      calls.heal += 1;
      return heal ? heal() : 'healed';
    },
  };
}

/** A probe that records API samples: failing while `down()` is true. */
function apiProbe(down: () => boolean): Probe {
  return {
    name: 'api-lb-new',
    async run(ctx) {
      while (!ctx.signal.aborted) {
        ctx.sink.record({ type: 'api.request', target: 'lb', connection: 'new', ok: !down(), latencyMs: 1 });
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

function setup(
  o: {
    preflight?: SteadyState;
    /** `failFrom(ms)`: the API probe fails from then on (run clock) until the heal. */
    inject?: (ctx: FaultContext, failFrom: (ms: number) => void) => Promise<InjectOutcome>;
    heal?: () => Promise<string>;
    recoverAfterMs?: number;
    inspect?: RunnerOps['inspect'];
    waitSteady?: RunnerOps['waitSteady'];
  } = {},
) {
  const calls: Calls = { inject: 0, heal: 0, prepare: 0 };
  /** The API probe fails from then on (run clock) until the heal. */
  let failingFrom = Number.POSITIVE_INFINITY;
  const failFrom = (ms: number) => {
    failingFrom = ms;
  };
  const recorder = new TimelineRecorder();
  const fault = fakeFault(
    calls,
    async (ctx) => {
      if (o.inject) return o.inject(ctx, failFrom);
      failFrom(recorder.clock.nowMs());
      return { effect: true, proof: { kind: 'process-gone', host: 'cp1', process: 'kube-apiserver' } };
    },
    o.heal,
  );
  const scenario: Scenario = {
    name: 'apiserver-kill',
    description: 'fake',
    defaultSlos: apiserverKill.defaultSlos,
    fault: async () => fault,
    probes: () => [apiProbe(() => recorder.clock.nowMs() >= failingFrom && calls.heal === 0)],
    recovered: (_e, at) => recorder.clock.nowMs() - at > (o.recoverAfterMs ?? 150),
    observeMs: () => 2000,
  };
  const ops: RunnerOps = {
    checkSteady: async () => o.preflight ?? OK,
    waitSteady: o.waitSteady ?? (async () => OK),
    prepare: async () => {
      calls.prepare += 1;
    },
    readBack: async () => {},
    cleanup: async () => {},
    ...(o.inspect ? { inspect: o.inspect } : {}),
  };
  const run = (signal?: AbortSignal, extra: Partial<RunOptions> = {}) =>
    runScenario({
      // The API is steady after 0.3 s of success (default 3 s): the run ends that much sooner.
      sustained: { sustainedSuccessMs: 300 },
      ...extra,
      scenario,
      target,
      kube: {} as KubeAccess,
      slos: apiserverKill.defaultSlos,
      recorder,
      ops,
      signal,
      baseline: { kind: 'fixed', ms: 100 },
      tailMs: 50,
    });
  return { calls, recorder, run };
}

t.test('happy path: phases in order, proof recorded, healed once', async (t) => {
  const { calls, recorder, run } = setup();
  const out = await run();
  t.equal(calls.inject, 1);
  t.equal(calls.heal, 1);
  t.equal(out.healed, true);
  const phases = recorder
    .events()
    .filter((e) => e.type === 'phase' && e.state === 'start')
    .map((e) => (e.type === 'phase' ? e.phase : ''));
  t.same(phases, ['preflight', 'baseline', 'inject', 'observe', 'heal', 'verify', 'analyze']);
  t.ok(recorder.events().some((e) => e.type === 'fault.proof'));
  t.ok(recorder.events().some((e) => e.type === 'heal.done'));
  t.equal(out.result.fault.status, 'proven');
  const lb = out.result.measurements.find((m) => m.name === 'lb_failover_s');
  t.ok(lb?.value !== null && lb!.value! > 0, `LB failover measured from the probe: ${lb?.value}`);
});

t.test('verify: what steady state still waits for is on the timeline, once per change', async (t) => {
  const etcd: SteadyState = { ok: false, checks: [{ name: 'etcd', ok: false, detail: 'cp2 not healthy' }] };
  const { recorder, run } = setup({
    waitSteady: async (_t, _k, _ms, notYet) => {
      for (const s of [etcd, etcd, BAD, etcd]) notYet?.(s);
      return OK;
    },
  });
  await run();
  const notes = recorder
    .events()
    .flatMap((e) => (e.type === 'note' && e.message.startsWith('verify:') ? [e.message] : []));
  t.same(notes, [
    'verify: waiting for etcd: cp2 not healthy',
    'verify: waiting for nodes: w1 not Ready',
    'verify: waiting for etcd: cp2 not healthy',
  ]);
});

t.test('a fault reporting its effect time: measured from the effect, the inject latency apart', async (t) => {
  let effectAtMs = Number.NaN;
  const { recorder, run } = setup({
    // The command reaches the host 120 ms after the invoke (ssh, sudo, lookup), its answer 100 ms later.
    inject: async ({ nowMs }, failFrom) => {
      await sleep(120);
      effectAtMs = nowMs!();
      failFrom(effectAtMs);
      await sleep(100);
      return {
        effect: true,
        proof: { kind: 'process-gone', host: 'cp1', process: 'kube-apiserver' },
        effectAt: { atMs: effectAtMs, how: 'the kill, on the host' },
      };
    },
  });
  let analysed: { events: Parameters<typeof analyze>[0]; ctx: Parameters<typeof analyze>[1] } | undefined;
  const out = await run(undefined, {
    analyze: (events, ctx) => {
      analysed = { events, ctx };
      return analyze(events, ctx);
    },
  });
  const events = recorder.events();
  const invoke = events.find((e) => e.type === 'fault.invoke')!;
  const effect = events.find((e) => e.type === 'fault.effect');
  t.match(
    effect,
    { atMs: effectAtMs, how: 'the kill, on the host' },
    'recorded at the effect, not when inject returned',
  );
  t.ok(effectAtMs - invoke.atMs > 100, `effect ${effectAtMs - invoke.atMs} ms after the invoke`);
  t.match(out.result.fault, { effect: { atMs: effectAtMs } });
  t.equal(
    out.result.fidelity.injectLatency?.ms,
    effectAtMs - invoke.atMs,
    'the inject latency, reported apart',
  );
  // The same timeline without the effect event measures from the invoke: each duration is longer
  // by the inject latency.
  const fromInvoke = analyze(
    analysed!.events.filter((e) => e.type !== 'fault.effect'),
    analysed!.ctx,
  );
  const rto = out.result.measurements.find((m) => m.name === 'rto_s')!;
  const rtoFromInvoke = fromInvoke.find((m) => m.name === 'rto_s')!;
  t.ok(rto.value !== null, `rto measured: ${rto.value} s`);
  // Both values are rounded to the ms: their difference is the latency within 1 ms.
  const diffMs = (rtoFromInvoke.value! - rto.value!) * 1000;
  t.ok(
    Math.abs(diffMs - (effectAtMs - invoke.atMs)) <= 1,
    `rto ${rto.value} s from the effect, ${rtoFromInvoke.value} s from the invoke`,
  );
});

t.test('an effect time not after the invoke is not recorded: measured from the invoke', async (t) => {
  const { recorder, run } = setup({
    inject: async (_ctx, failFrom) => {
      failFrom(recorder.clock.nowMs());
      return {
        effect: true,
        proof: { kind: 'process-gone', host: 'cp1', process: 'kube-apiserver' },
        effectAt: { atMs: 0, how: 'before the run began' },
      };
    },
  });
  const out = await run();
  t.notOk(
    recorder.events().some((e) => e.type === 'fault.effect'),
    'no fault.effect event',
  );
  t.notOk(out.result.fault.status === 'none' || out.result.fault.effect, 'no effect in the result');
  t.equal(out.result.fidelity.injectLatency, undefined);
});

t.test('preflight failure injects nothing, heals nothing, exits 3', async (t) => {
  const { calls, run } = setup({ preflight: BAD });
  const out = await run();
  t.equal(calls.inject, 0);
  t.equal(calls.heal, 0);
  t.equal(calls.prepare, 0, 'nothing changed on the cluster');
  t.equal(out.result.preflight?.ok, false);
  t.match(out.result.preflight?.message, /w1 not Ready/);
  t.equal(exitCodeFor(out.result, { gate: false }), 3);
});

t.test('an inject that throws after acting is still healed, and the error is an event', async (t) => {
  const { calls, recorder, run } = setup({
    inject: async () => {
      throw new Error('proof check blew up');
    },
  });
  const out = await run();
  t.equal(calls.heal, 1, 'healed');
  t.ok(recorder.events().some((e) => e.type === 'error' && /proof check blew up/.test(e.message)));
  t.equal(out.healed, true);
});

t.test('a fault with no effect is healed and gives no numbers', async (t) => {
  const { calls, run } = setup({ inject: async () => ({ effect: false, reason: 'was not running' }) });
  const out = await run();
  t.equal(calls.heal, 1);
  t.equal(out.result.fault.status, 'noeffect');
  for (const m of out.result.measurements) t.equal(m.verdict, 'unknown', `${m.name} is unknown`);
});

t.test('abort during observation heals, verifies and reports aborted', async (t) => {
  const { calls, recorder, run } = setup({ recoverAfterMs: 60_000 });
  const ac = new AbortController();
  const stop = recorder.subscribe((e) => {
    if (e.type === 'phase' && e.phase === 'observe' && e.state === 'start')
      setTimeout(() => ac.abort('SIGINT'), 100);
  });
  const out = await run(ac.signal);
  stop();
  t.equal(calls.heal, 1);
  t.equal(out.result.verdict, 'aborted');
  t.equal(out.result.aborted?.signal, 'SIGINT');
  t.equal(exitCodeFor(out.result, { gate: false }), 130);
});

t.test('a heal that fails is reported, not swallowed', async (t) => {
  const { run, recorder } = setup({
    heal: async () => {
      throw new Error('cannot start it');
    },
  });
  const out = await run();
  t.equal(out.healed, false);
  t.ok(recorder.events().some((e) => e.type === 'heal.error' && /cannot start it/.test(e.error)));
});

t.test('analysis runs once per run; --repeat statistics reuse its measurements', async (t) => {
  const { run } = setup();
  let analyses = 0;
  let given: readonly Measurement[] | undefined;
  const earlier: Measurement[] = [
    { name: 'rto_s', value: 1, unit: 's', slo: null, verdict: 'pass', message: '', detail: '' },
  ];
  const out = await run(undefined, {
    repeat: { index: 2, of: 2 },
    analyze: (events, ctx) => {
      analyses += 1;
      return analyze(events, ctx);
    },
    repetition: (current) => {
      given = current;
      return repetitionStats([earlier, current]);
    },
  });
  t.equal(analyses, 1, 'one analysis for the run, its statistics included');
  t.same(given, out.result.measurements, 'the statistics got the measurements the result shows');
  const rto = out.result.repetition?.find((r) => r.name === 'rto_s');
  t.equal(rto?.runs, 2, 'statistics over the earlier run and this one');
});

t.test('the target is inspected once the probes stopped, or at once when the preflight fails', async (t) => {
  const seen: { types: string[]; probesAfter: number }[] = [];
  const inspecting = (recorder: () => TimelineRecorder) => async () => {
    const count = () =>
      recorder()
        .events()
        .filter((e) => e.type === 'api.request').length;
    const before = count();
    // The probes still running would record more requests meanwhile.
    await sleep(100);
    seen.push({
      types: recorder()
        .events()
        .map((e) => e.type),
      probesAfter: count() - before,
    });
    return [{ id: 'cert-expiry:cp1', severity: 'warning' as const, message: 'apiserver expires in 20 days' }];
  };
  let rec: TimelineRecorder | undefined;
  const ok = setup({ inspect: inspecting(() => rec!) });
  rec = ok.recorder;
  const out = await ok.run();
  t.equal(seen.length, 1, 'inspected once');
  t.ok(seen[0]!.types.includes('heal.done'), 'after the heal');
  t.equal(seen[0]!.probesAfter, 0, 'no probe recorded anything while it ran: they had stopped');
  t.match(out.result.findings, [{ id: 'cert-expiry:cp1', message: /expires in 20 days/ }]);
  seen.length = 0;
  const bad = setup({ preflight: BAD, inspect: inspecting(() => rec!) });
  rec = bad.recorder;
  const failed = await bad.run();
  t.equal(seen.length, 1, 'inspected although the preflight failed');
  t.equal(bad.calls.inject, 0);
  t.match(failed.result.findings, [{ id: 'cert-expiry:cp1' }]);
});
