import t from 'tap';
import { apiserverKill } from '../../scenarios/apiserver-kill.ts';
import { etcdRestore } from '../../scenarios/etcd-restore.ts';
import { lbFailoverWindow, notReadyWindow, noWindow, vrrpWindow } from '../../src/analysis/expected.ts';
import { buildRunResult, buildSuiteResult } from '../../src/model/build.ts';
import { EXIT, exitCodeFor, fidelityProblems } from '../../src/model/exit.ts';
import { missingInputs } from '../../src/model/fidelity.ts';
import type { RunMeta } from '../../src/model/result.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import { configured, originsOf, parseKubeVersion, withDefaults } from '../../src/targets/defaults.ts';
import type { TimelineEvent } from '../../src/timeline/events.ts';
import { alertingContext, CP2 } from '../analysis/alerting.ts';
import { apiserverKillRun, Timeline } from '../analysis/synthetic.ts';

const META: RunMeta = {
  scenario: 'apiserver-kill',
  target: 'kind:ha',
  startedAt: '2026-11-22T02:40:00.000Z',
  finishedAt: '2026-11-22T02:41:00.000Z',
  harnessVersion: '0.1.0',
};
const slos = resolveSlos({ scenario: apiserverKill });
const CM = '/etc/kubernetes/manifests/kube-controller-manager.yaml on ha-control-plane';
const CDS = 'ha-external-load-balancer:/home/envoy/cds.yaml';

/** A kind target's inputs: Envoy's check read from its cds.yaml, the Kubernetes ones defaulted. */
function kindTimings(lb: Record<string, number | string>) {
  return withDefaults(
    configured([
      { where: CDS, timings: { lbChecker: 'envoy', ...lb } },
      { where: CM, timings: { leaseDurationS: 15 } },
    ]),
    { controllerManager: parseKubeVersion('registry.k8s.io/kube-controller-manager:v1.36.1') },
  );
}

const run = (timeline: readonly TimelineEvent[], timings = kindTimings({ checkInterMs: 2000, fall: 2 })) =>
  buildRunResult({ meta: META, timeline, analysis: { slos, timings } });

t.test('every timing input with its value and origin, in a fixed order; inject latency', (t) => {
  const effect = new Timeline().add(10_180, {
    type: 'fault.effect',
    fault: 'apiserver-kill',
    how: 'PID 4242 gone',
  }).events;
  const f = run([...apiserverKillRun(), ...effect]).fidelity;
  t.same(f.source, { kind: 'target' });
  t.same(f.injectLatency, { ms: 180, how: 'PID 4242 gone' });
  const byInput = Object.fromEntries(f.timings.map((r) => [r.input, r]));
  t.same(byInput.nodeMonitorGracePeriodS, {
    input: 'nodeMonitorGracePeriodS',
    value: 50,
    origin: { kind: 'default', rule: 'default since v1.32 (PR 126287), controller-manager v1.36.1' },
  });
  t.same(byInput.leaseDurationS?.origin, { kind: 'configured', where: CM });
  t.same(byInput.checkInterMs?.origin, { kind: 'configured', where: CDS });
  t.same(byInput.lbChecker, {
    input: 'lbChecker',
    value: 'envoy',
    origin: { kind: 'configured', where: CDS },
  });
  t.match(byInput.masterLeaseTtlS?.origin, { kind: 'default', rule: /DefaultEndpointReconcilerTTL 15 s/ });
  t.notOk('advertIntS' in byInput, 'no keepalived on kind: its inputs are neither set nor needed');
  t.same(f.timings.map((r) => r.input).slice(0, 4), [
    'nodeMonitorGracePeriodS',
    'nodeMonitorPeriodS',
    'nodeLeaseRenewIntervalS',
    'tolerationSeconds',
  ]);
  t.same(f.problems, [], 'a proven fault, every value inside its window: no problem');
  t.notOk('injectLatency' in run(apiserverKillRun()).fidelity, 'no fault.effect: latency unknown');
  t.end();
});

t.test('the lab: one source, the preset', (t) => {
  const values = { masterLeaseTtlS: 15, endpointReconcileIntervalS: 10, checkInterMs: 2000, fall: 2 };
  const lab = { ...values, origins: originsOf(values, { kind: 'lab', where: 'lab preset fast' }) };
  t.same(run(apiserverKillRun(), lab).fidelity.source, { kind: 'lab', where: 'lab preset fast' });
  const mixed = { ...lab, origins: { ...lab.origins, fall: { kind: 'default' as const, rule: 'x' } } };
  t.same(run(apiserverKillRun(), mixed).fidelity.source, { kind: 'target' }, 'one non-lab origin: a target');
  t.same(run(apiserverKillRun(), values).fidelity.source, { kind: 'target' }, 'no origins recorded');
  t.same(
    run(apiserverKillRun(), values).fidelity.timings.map((r) => r.origin),
    [null, null, null, null],
  );
  t.end();
});

t.test('an undefined input: no window, the input listed as needed, a problem', (t) => {
  // Envoy's cds.yaml without unhealthy_threshold: fall undefined, so lb_failover_s has no window.
  const f = run(apiserverKillRun(), kindTimings({ checkInterMs: 2000 })).fidelity;
  t.same(
    f.timings.filter((r) => r.value === null),
    [{ input: 'fall', value: null, origin: null, neededBy: ['lb_failover_s'] }],
  );
  t.same(f.problems, [
    {
      kind: 'timing-undefined',
      measurement: 'lb_failover_s',
      message: 'lb_failover_s: no expected window: fall undefined on this target',
    },
  ]);
  t.end();
});

t.test('which inputs a window rule lacks', (t) => {
  t.same(missingInputs(notReadyWindow, {}), [
    'nodeMonitorGracePeriodS',
    'nodeMonitorPeriodS',
    'nodeLeaseRenewIntervalS',
  ]);
  t.same(missingInputs(notReadyWindow, { nodeMonitorGracePeriodS: 40, nodeMonitorPeriodS: 5 }), [
    'nodeLeaseRenewIntervalS',
  ]);
  t.same(missingInputs(lbFailoverWindow, { checkInterMs: 2000, fall: 3 }), [], 'a window: nothing lacks');
  t.same(missingInputs(vrrpWindow, { advertIntS: 1 }), ['priority']);
  t.equal(missingInputs(noWindow, {}), undefined, 'no window by design is not a missing input');
  t.end();
});

t.test('no window by the scenario’s design is no problem', (t) => {
  // etcd-restore replaces the rpo_lost_writes rule with noWindow: its lost writes are by design.
  const r = buildRunResult({
    meta: { ...META, scenario: 'etcd-restore' },
    timeline: apiserverKillRun(),
    analysis: {
      slos: { rpo_lost_writes: { op: '<=', threshold: 0, source: 'default' } },
      windows: etcdRestore.windows,
      timings: {},
    },
  });
  t.notOk(r.measurements[0]?.expected);
  t.same(r.fidelity.problems, []);
  t.end();
});

t.test('null, lower-bound and outside-window measurements', (t) => {
  // No read-back: both RPO measurements are null. Reconciler TTL 60 s: the removal at 17 s is early.
  const noReadback = apiserverKillRun().filter((e) => e.type !== 'readback');
  const slow = { ...kindTimings({ checkInterMs: 2000, fall: 2 }), masterLeaseTtlS: 60 };
  const f = run(noReadback, slow).fidelity;
  t.same(
    f.problems.map((p) => [p.kind, p.measurement]),
    [
      ['outside-window', 'endpoint_removal_s'],
      ['measurement-null', 'rpo_lost_writes'],
      ['measurement-null', 'rpo_window_s'],
    ],
  );
  t.match(
    f.problems[0]?.message,
    /^endpoint_removal_s: 17\.005 s outside the expected window \[50, 75\] \(\[lease TTL 60 − reconcile interval 10, /,
  );
  t.equal(f.problems[1]?.message, 'rpo_lost_writes: not observed: no read-back was recorded');
  // The LB never recovers before the end: failover, outage and RTO are lower bounds.
  const stuck = new Timeline()
    .phases([['observe', 10_000, 30_000]])
    .lb(1000, 30_000, (ms) => ms < 10_500)
    .fault(10_000).events;
  const lb = buildRunResult({
    meta: META,
    timeline: stuck,
    analysis: { slos: { lb_failover_s: { op: '<', threshold: 30, source: 'default' } }, timings: {} },
  });
  t.same(lb.fidelity.problems, [
    {
      kind: 'measurement-lower-bound',
      measurement: 'lb_failover_s',
      message: `lb_failover_s: only a lower bound (≥ ${lb.measurements[0]!.value} s): ${lb.measurements[0]!.detail}`,
    },
    {
      kind: 'timing-undefined',
      measurement: 'lb_failover_s',
      message: 'lb_failover_s: no expected window: checkInterMs, fall undefined on this target',
    },
  ]);
  t.end();
});

t.test('a fault not proven: one problem, not one per null value', (t) => {
  const unproven = new Timeline().add(10_000, {
    type: 'fault.invoke',
    fault: 'apiserver-kill',
    target: { host: 'cp2' },
  }).events;
  t.same(run(unproven).fidelity.problems, [
    { kind: 'fault-not-proven', message: 'fault apiserver-kill not proven; no measurement was made' },
  ]);
  const noeffect = new Timeline()
    .add(10_000, { type: 'fault.invoke', fault: 'apiserver-kill', target: { host: 'cp2' } })
    .add(10_100, { type: 'fault.noeffect', fault: 'apiserver-kill', reason: 'already stopped' }).events;
  t.same(
    run(noeffect).fidelity.problems.map((p) => p.message),
    ['fault apiserver-kill had no effect: already stopped; no measurement was made'],
  );
  const pre = buildRunResult({
    meta: META,
    timeline: [],
    analysis: { slos },
    preflight: { ok: false, message: 'cp3 /readyz: 500' },
  });
  t.same(
    pre.fidelity.problems.map((p) => p.message),
    ['no fault was injected (preflight failed); no measurement was made'],
  );
  t.end();
});

t.test('--gate-fidelity: exit 1 on any problem, apart from --gate; preflight and abort first', (t) => {
  const clean = run(apiserverKillRun());
  const outside = run(apiserverKillRun(), {
    ...kindTimings({ checkInterMs: 2000, fall: 2 }),
    masterLeaseTtlS: 60,
  });
  t.equal(outside.verdict, 'pass', 'every SLO passes: only fidelity fails');
  t.equal(exitCodeFor(outside, { gate: true }), EXIT.ok, '--gate alone judges SLOs');
  t.equal(exitCodeFor(outside, { gate: false, gateFidelity: true }), 1);
  t.equal(exitCodeFor(outside, { gate: true, gateFidelity: true }), 1);
  t.equal(exitCodeFor(clean, { gate: true, gateFidelity: true }), EXIT.ok);
  const pre = buildRunResult({
    meta: META,
    timeline: [],
    analysis: { slos },
    preflight: { ok: false, message: 'x' },
  });
  t.equal(exitCodeFor(pre, { gate: true, gateFidelity: true }), EXIT.preflight);
  const aborted = buildRunResult({
    meta: META,
    timeline: [],
    analysis: { slos },
    aborted: { signal: 'SIGINT' },
  });
  t.equal(exitCodeFor(aborted, { gate: false, gateFidelity: true }), EXIT.aborted);
  const smeta = {
    name: 'all',
    target: 'kind:ha',
    startedAt: META.startedAt,
    finishedAt: META.finishedAt,
    harnessVersion: '0.1.0',
  };
  const s = buildSuiteResult(smeta, [clean, { ...outside, meta: { ...outside.meta, scenario: 'lb-stop' } }]);
  t.equal(exitCodeFor(s, { gate: true, gateFidelity: true }), 1);
  t.same(
    fidelityProblems(s).map((p) => p.message.split(' outside')[0]),
    ['lb-stop: endpoint_removal_s: 17.005 s'],
  );
  t.equal(exitCodeFor(buildSuiteResult(smeta, [clean]), { gate: true, gateFidelity: true }), EXIT.ok);
  t.end();
});

t.test(
  'detection measurements: null and outside-window are problems; their window needs no timing input',
  (t) => {
    // APIServerDown fires 30 s after the fault (its window ends at 23.5 s) and is never notified;
    // EtcdNoLeader has no rule loaded, so no window, which is not a timing input's fault.
    const alerts = new Timeline()
      .alert(40_000, 'APIServerDown', 'firing', CP2)
      .alert(44_000, 'APIServerDown', 'inactive', CP2).events;
    const r = buildRunResult({
      meta: META,
      timeline: [...apiserverKillRun(), ...alerts],
      analysis: {
        slos,
        timings: kindTimings({ checkInterMs: 2000, fall: 2 }),
        alerting: alertingContext({
          alerts: { expected: [{ alert: 'APIServerDown', labels: CP2 }, { alert: 'KubeAPIDown' }] },
        }),
      },
    });
    t.same(
      r.fidelity.problems.map((p) => [p.kind, p.measurement]),
      [
        ['outside-window', 'detect_APIServerDown_s'],
        ['measurement-null', 'notify_APIServerDown_s'],
        ['measurement-null', 'detect_KubeAPIDown_s'],
        ['measurement-null', 'notify_KubeAPIDown_s'],
        ['measurement-null', 'resolve_KubeAPIDown_s'],
      ],
    );
    t.notOk(r.fidelity.timings.some((x) => x.neededBy?.some((n) => n.startsWith('detect_'))));
    t.end();
  },
);
