/** Result models for reporter tests, built through the real model builder. */
import { apiserverKill } from '../../scenarios/apiserver-kill.ts';
import { leaderKill } from '../../scenarios/leader-kill.ts';
import { runConfigOf } from '../../src/analysis/history.ts';
import { buildRunResult, buildSuiteResult } from '../../src/model/build.ts';
import type { RunMeta, RunResult } from '../../src/model/result.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import {
  configured,
  originsOf,
  parseKubeVersion,
  type TimingInputs,
  withDefaults,
} from '../../src/targets/defaults.ts';
import { alertingContext, CP2 } from '../analysis/alerting.ts';
import { apiserverKillRun, Timeline } from '../analysis/synthetic.ts';

export const META: RunMeta = {
  scenario: 'apiserver-kill',
  target: 'lab',
  preset: 'fast',
  startedAt: '2026-11-22T02:40:00.000Z',
  finishedAt: '2026-11-22T02:41:00.000Z',
  harnessVersion: '0.1.0',
};

/** Timings as the lab gives them: each input's origin is the preset. */
const fromLab = (values: TimingInputs): TimingInputs => ({
  ...values,
  origins: originsOf(values, { kind: 'lab', where: 'lab preset fast' }),
});

const TIMINGS = fromLab({
  masterLeaseTtlS: 15,
  endpointReconcileIntervalS: 10,
  checkInterMs: 2000,
  fall: 2,
  checkTimeoutMs: 3000,
});

/**
 * apiserver-kill with rto_s < 2 (fails), no read-back (RPO unknown), a secret in an error; two
 * earlier runs: a newer one on the `seeds` preset (not comparable) and an older `fast` one.
 */
export function mixedRun(): RunResult {
  const timeline = [
    ...apiserverKillRun().filter((e) => e.type !== 'readback'),
    {
      atMs: 44_900,
      wallTime: '2026-11-22T02:40:44.900Z',
      source: 'kubectl',
      type: 'error' as const,
      message: 'exec kubectl --token sup3rs3cret failed',
    },
  ];
  return buildRunResult({
    meta: META,
    timeline,
    analysis: {
      slos: resolveSlos({ scenario: apiserverKill, cli: [{ name: 'rto_s', op: '<', threshold: 2 }] }),
      timings: TIMINGS,
    },
    previous: [
      {
        scenario: 'apiserver-kill',
        target: 'lab',
        startedAt: '2026-10-01T00:00:00.000Z',
        dir: 'reports/20261001T000000Z-apiserver-kill',
        config: runConfigOf({ preset: 'seeds' }, { ...TIMINGS, masterLeaseTtlS: 60 }),
        measurements: [{ name: 'endpoint_removal_s', value: 70, verdict: 'fail' }],
      },
      {
        scenario: 'apiserver-kill',
        target: 'lab',
        startedAt: '2026-08-22T02:40:00.000Z',
        dir: 'reports/20260822T024000Z-apiserver-kill',
        config: runConfigOf(META, TIMINGS),
        measurements: [
          { name: 'lb_failover_s', value: 3, verdict: 'pass' },
          { name: 'rto_s', value: 4.5, verdict: 'pass' },
        ],
      },
    ],
    load: { kind: 'builtin', requests: 1200, failures: 40, p95LatencyMs: 18 },
  });
}

export function passingRun(): RunResult {
  return buildRunResult({
    meta: META,
    timeline: apiserverKillRun(),
    analysis: { slos: resolveSlos({ scenario: apiserverKill }), timings: TIMINGS },
  });
}

export const CDS = 'ha-external-load-balancer:/home/envoy/cds.yaml';

/**
 * apiserver-kill on a kind cluster: Envoy's check read from its cds.yaml without an unhealthy
 * threshold (fall undefined: lb_failover_s has no window), the Kubernetes inputs upstream
 * defaults for controller-manager v1.36.1; the kill took effect 30 ms after the invoke.
 */
export function targetRun(): RunResult {
  const timings = withDefaults(
    configured([{ where: CDS, timings: { lbChecker: 'envoy', checkInterMs: 2000, checkTimeoutMs: 3000 } }]),
    { controllerManager: parseKubeVersion('v1.36.1') },
  );
  const effect = new Timeline().add(10_030, {
    type: 'fault.effect',
    fault: 'apiserver-kill',
    how: 'PID 4242 gone',
  });
  return buildRunResult({
    meta: { ...META, target: 'kind:ha', preset: undefined },
    timeline: [...apiserverKillRun(), ...effect.events],
    analysis: { slos: resolveSlos({ scenario: apiserverKill }), timings },
  });
}

/**
 * apiserver-kill with Prometheus and Alertmanager (test/analysis/alerting.ts): APIServerDown{cp2}
 * pending at 13 s, firing at 25 s, notified at 37 s, inactive at 44 s (in every window);
 * EtcdHighFsyncDurations expected but never fired (fail); EtcdNoLeader{member="cp1"} critical
 * and unexpected, firing 20–30 s (fail).
 */
export function detectionRun(): RunResult {
  const alerts = new Timeline()
    .alert(13_000, 'APIServerDown', 'pending', CP2)
    .alert(25_000, 'APIServerDown', 'firing', CP2)
    .notify(37_000, 'APIServerDown', 'firing', CP2)
    .alert(44_000, 'APIServerDown', 'inactive', CP2)
    .alert(20_000, 'EtcdNoLeader', 'firing', { member: 'cp1' })
    .alert(30_000, 'EtcdNoLeader', 'inactive', { member: 'cp1' });
  return buildRunResult({
    meta: META,
    timeline: [...apiserverKillRun(), ...alerts.events],
    analysis: {
      slos: resolveSlos({ scenario: apiserverKill }),
      timings: TIMINGS,
      alerting: alertingContext({
        alerts: { expected: [{ alert: 'APIServerDown', labels: CP2 }, { alert: 'EtcdHighFsyncDurations' }] },
      }),
    },
  });
}

export function leaderRun(): RunResult {
  const tl = new Timeline()
    .phases([
      ['baseline', 0, 5000],
      ['inject', 5000, 5100],
      ['observe', 5100, 30000],
    ])
    .add(1000, {
      type: 'lease',
      namespace: 'kube-system',
      name: 'kube-controller-manager',
      holderIdentity: 'cp1_x',
      leaseTransitions: 1,
    })
    .fault(5000, { host: 'cp1', lease: 'kube-system/kube-controller-manager' }, 'leader-kill')
    .add(22_000, {
      type: 'lease',
      namespace: 'kube-system',
      name: 'kube-controller-manager',
      holderIdentity: 'cp3_y',
      leaseTransitions: 2,
    });
  return buildRunResult({
    meta: { ...META, scenario: 'leader-kill' },
    timeline: tl.events,
    analysis: {
      slos: resolveSlos({ scenario: leaderKill }),
      timings: fromLab({ leaseDurationS: 15, retryPeriodS: 2 }),
    },
  });
}

export function suite() {
  return buildSuiteResult(
    {
      name: 'all',
      target: 'lab',
      preset: 'fast',
      startedAt: META.startedAt,
      finishedAt: '2026-11-22T03:00:00.000Z',
      harnessVersion: '0.1.0',
    },
    [passingRun(), leaderRun()],
  );
}
