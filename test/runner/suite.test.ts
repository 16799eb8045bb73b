/**
 * The suite runner with an injected scenario runner and steady-state check (the real runs are
 * covered by test/scenarios/*): order, steady state waited for between scenarios, options and
 * SLOs per scenario, a combined SuiteResult, and stopping on an unhealed fault or an abort.
 */
import t from 'tap';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { buildRunResult } from '../../src/model/build.ts';
import type { KubeAccess } from '../../src/probes/kube.ts';
import type { SteadyState } from '../../src/probes/steady.ts';
import type { RunOptions, RunOutcome } from '../../src/runner/options.ts';
import type { Scenario } from '../../src/runner/scenario.ts';
import { describeBetween, runSuite } from '../../src/runner/suite.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import type { ScenarioName } from '../../src/slo/types.ts';
import { Timeline } from '../analysis/synthetic.ts';
import { FakeTarget, fakeTopology, healthyHosts } from '../faults/fake-target.ts';

/** The catalogue's module of that name (for its SLO defaults), with a fault that is never used. */
const scenario = (name: ScenarioName): Scenario => ({
  name,
  description: name,
  defaultSlos: SCENARIO_CATALOGUE.get(name)!.defaultSlos,
  fault: async () => {
    throw new Error('not used');
  },
  probes: () => [],
  recovered: () => true,
  observeMs: () => 0,
});

/** A run that passes (LB fine, RPO 0) or fails (LB down 40 s), healed or not. */
function fakeRun(calls: RunOptions[], fail: Set<string>, unhealed: Set<string>) {
  return async (o: RunOptions): Promise<RunOutcome> => {
    calls.push(o);
    const bad = fail.has(o.scenario.name);
    const tl = new Timeline()
      .lb(0, 60_000, (x) => !bad || x < 5000 || x >= 45_000)
      .fault(5000, { host: 'cp1', ip: '198.18.0.11' }, 'process-stop')
      .add(50_000, { type: 'readback', present: [], missing: [] });
    const result = buildRunResult({
      meta: {
        scenario: o.scenario.name,
        target: 'fake',
        startedAt: '2026-11-22T03:00:00.000Z',
        finishedAt: '2026-11-22T03:01:00.000Z',
        harnessVersion: 't',
      },
      timeline: tl.events,
      analysis: {
        slos: { api_outage_s: { op: '<', threshold: 30, source: 'default' } },
      },
    });
    return { result, preflight: steady(true), healed: !unhealed.has(o.scenario.name) };
  };
}

const steady = (ok: boolean): SteadyState => ({
  ok,
  checks: [{ name: 'nodes', ok, detail: ok ? '2 nodes Ready' : 'w1 not Ready' }],
});

const NAMES: ScenarioName[] = ['etcd-partition', 'lb-stop', 'kubelet-stop'];

t.test('runs every scenario in order, waits for steady state between them', async (t) => {
  const calls: RunOptions[] = [];
  const waits: number[] = [];
  const started: string[] = [];
  const out = await runSuite({
    scenarios: NAMES.map(scenario),
    target: new FakeTarget(fakeTopology(), healthyHosts()),
    kube: {} as KubeAccess,
    slosFor: (name) => resolveSlos({ scenario: scenario(name) }),
    optionsFor: (name) => (name === 'kubelet-stop' ? { tolerationSeconds: 7 } : {}),
    preset: 'fast',
    steadyTimeoutMs: 1234,
    run: fakeRun(calls, new Set(['lb-stop']), new Set()),
    waitSteady: async (_t, _k, ms) => {
      waits.push(ms);
      return steady(waits.length !== 1);
    },
    onRunStart: (s, i, of) => {
      started.push(`${i + 1}/${of} ${s.name}`);
    },
  });
  t.same(
    calls.map((c) => c.scenario.name),
    NAMES,
  );
  t.same(started, ['1/3 etcd-partition', '2/3 lb-stop', '3/3 kubelet-stop']);
  t.same(waits, [1234, 1234], 'steady state waited for before the 2nd and 3rd scenario');
  t.same(calls[2]?.options, { tolerationSeconds: 7 });
  t.equal(calls[1]?.slos.vip_takeover_s?.threshold, 30, 'each scenario gets its own SLOs');
  t.equal(out.result.kind, 'suite');
  t.equal(out.result.meta.preset, 'fast');
  t.equal(out.result.runs.length, 3);
  t.equal(out.result.verdict, 'fail', 'worst of the runs');
  t.match(out.result.verdictMessage, /3 scenario\(s\): 2 pass, 1 fail/);
  t.same(out.skipped, []);
  t.ok(out.healed);
  t.same(describeBetween(out), ['before lb-stop: steady state did not hold: nodes: w1 not Ready']);
});

t.test('an unhealed fault stops the suite: the rest is skipped, not injected', async (t) => {
  const calls: RunOptions[] = [];
  const out = await runSuite({
    scenarios: NAMES.map(scenario),
    target: new FakeTarget(fakeTopology(), healthyHosts()),
    kube: {} as KubeAccess,
    slosFor: (name) => resolveSlos({ scenario: scenario(name) }),
    run: fakeRun(calls, new Set(), new Set(['etcd-partition'])),
    waitSteady: async () => steady(true),
  });
  t.equal(calls.length, 1);
  t.notOk(out.healed);
  t.same(
    out.skipped.map((s) => s.scenario),
    ['lb-stop', 'kubelet-stop'],
  );
  t.match(out.skipped[0]?.reason, /etcd-partition could not heal its fault/);
  t.equal(out.result.runs.length, 1);
});

t.test('an abort before a scenario skips it and the rest', async (t) => {
  const calls: RunOptions[] = [];
  const ac = new AbortController();
  const out = await runSuite({
    scenarios: NAMES.map(scenario),
    target: new FakeTarget(fakeTopology(), healthyHosts()),
    kube: {} as KubeAccess,
    slosFor: (name) => resolveSlos({ scenario: scenario(name) }),
    signal: ac.signal,
    run: async (o) => {
      const r = await fakeRun(calls, new Set(), new Set())(o);
      ac.abort('SIGINT');
      return r;
    },
    waitSteady: async () => steady(true),
  });
  t.equal(calls.length, 1);
  t.same(
    out.skipped.map((s) => s.reason),
    ['suite aborted by SIGINT', 'suite aborted by SIGINT'],
  );
});

t.test('an empty suite is unknown', async (t) => {
  const out = await runSuite({
    scenarios: [],
    target: new FakeTarget(fakeTopology(), healthyHosts()),
    kube: {} as KubeAccess,
    slosFor: (name) => resolveSlos({ scenario: scenario(name) }),
  });
  t.equal(out.result.verdict, 'unknown');
});

t.test('a scenario that cannot start is skipped with its reason; the suite goes on', async (t) => {
  const calls: RunOptions[] = [];
  const ok = fakeRun(calls, new Set(), new Set());
  const out = await runSuite({
    scenarios: NAMES.map(scenario),
    target: new FakeTarget(fakeTopology(), healthyHosts()),
    kube: {} as KubeAccess,
    slosFor: (name) => resolveSlos({ scenario: scenario(name) }),
    run: async (o) => {
      if (o.scenario.name === 'lb-stop') throw new Error('no single LB holds the VIP');
      return ok(o);
    },
    waitSteady: async () => steady(true),
  });
  t.same(
    out.result.runs.map((r) => r.meta.scenario),
    ['etcd-partition', 'kubelet-stop'],
  );
  t.same(out.skipped, [{ scenario: 'lb-stop', reason: 'no single LB holds the VIP' }]);
  t.ok(out.healed);
});
