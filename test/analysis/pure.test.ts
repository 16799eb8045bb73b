import t from 'tap';
import { lbStop } from '../../scenarios/lb-stop.ts';
import {
  expectedWindow,
  lbFailoverWindow,
  notReadyWindow,
  reelectionWindow,
  vrrpFailoverWindow,
  vrrpWindow,
  withOutside,
} from '../../src/analysis/expected.ts';
import { deriveFindings } from '../../src/analysis/findings.ts';
import { percentile, repetitionStats } from '../../src/analysis/stats.ts';
import type { Measurement } from '../../src/analysis/types.ts';
import { judge, worstVerdict } from '../../src/analysis/verdict.ts';
import { Timeline } from './synthetic.ts';

t.test('expected windows: formulas with the seeds and upstream values', (t) => {
  t.match(
    notReadyWindow({ nodeMonitorGracePeriodS: 40, nodeMonitorPeriodS: 5, nodeLeaseRenewIntervalS: 10 }),
    {
      min: 30,
      max: 50,
      formula: '[grace 40 − lease renew 10, grace 40 + 2 × monitor period 5]',
    },
  );
  t.equal(notReadyWindow({ nodeMonitorGracePeriodS: 40 }), undefined, 'missing input: no window');
  t.match(reelectionWindow({ leaseDurationS: 15, retryPeriodS: 2 }), { min: 13, max: 23.8 });
  t.match(reelectionWindow({ leaseDurationS: 15, retryPeriodS: 2 }, { gracefulRelease: true }), {
    min: 0,
    max: 4.4,
  });
  const v = vrrpWindow({ advertIntS: 1, priority: 100 })!;
  t.equal(v.max, 3 + 156 / 256 + 1);
  t.match(v.formula, /2 × advert 1 \+ skew 0\.609/);
  // no timeout connect known: the connect phase is bounded by inter
  t.match(lbFailoverWindow({ checkInterMs: 2000, fall: 2, checkTimeoutMs: 3000 }), { min: 0, max: 14 });
  const vip = vrrpFailoverWindow({ advertIntS: 1, priority: 100 });
  t.same(
    expectedWindow(
      'lb_failover_s',
      { advertIntS: 1, priority: 100, checkInterMs: 2000, fall: 2, checkTimeoutMs: 3000 },
      {},
      lbStop.windows,
    ),
    vip,
    'lb-stop fails over by VRRP',
  );
  t.match(expectedWindow('endpoint_removal_s', { masterLeaseTtlS: 15, endpointReconcileIntervalS: 10 }), {
    min: 5,
    max: 30,
  });
  t.match(expectedWindow('etcd_leader_election_s', { etcdElectionMs: 1000, etcdHeartbeatMs: 100 }), {
    min: 1,
    max: 4.1,
  });
  t.match(expectedWindow('etcd_leader_election_s', { etcdElectionMs: 1000 }, { cutFollower: true }), {
    min: 0,
    max: 0,
  });
  t.match(expectedWindow('apiserver_unready_s', { etcdElectionMs: 2500 }), { min: 0, max: 7.5 });
  t.match(
    expectedWindow('pod_eviction_s', {
      nodeMonitorGracePeriodS: 50,
      nodeMonitorPeriodS: 5,
      nodeLeaseRenewIntervalS: 10,
    }),
    { min: 345, max: 365.1 },
  );
  t.equal(expectedWindow('rto_s', { leaseDurationS: 15 }), undefined);
  t.equal(expectedWindow('lb_failover_s', undefined), undefined);
  t.same(withOutside({ min: 1, max: 2, formula: 'f' }, 3).outside, true);
  t.same(withOutside({ min: 1, max: 2, formula: 'f' }, 1.5).outside, false);
  t.same(withOutside({ min: 1, max: 2, formula: 'f' }, null).outside, null);
  t.end();
});

t.test('judge and worst verdict', (t) => {
  const slo = { op: '<' as const, threshold: 30, source: 'default' as const };
  t.match(judge({ value: null, detail: 'no samples' }, slo, undefined), {
    verdict: 'unknown',
    message: 'not observed: no samples',
  });
  t.match(judge({ value: 29.9, detail: '' }, slo, undefined), { verdict: 'pass' });
  t.match(judge({ value: 30, detail: '' }, slo, undefined), {
    verdict: 'fail',
    message: 'measured 30, violates < 30',
  });
  t.match(judge({ value: 12, lowerBound: true, detail: '' }, slo, undefined), {
    verdict: 'unknown',
    message: /measured only ≥ 12/,
  });
  t.match(judge({ value: 31, lowerBound: true, detail: '' }, slo, undefined), { verdict: 'fail' });
  t.match(judge({ value: 3, lowerBound: true, detail: '' }, { ...slo, op: '>=', threshold: 1 }, undefined), {
    verdict: 'unknown',
  });
  t.match(judge({ value: 5, detail: '' }, null, undefined), { verdict: 'pass', message: /informational/ });
  const eq = { op: '==' as const, threshold: 'expected' as const, source: 'default' as const };
  const w = { min: 4, max: 6, formula: '', outside: null };
  t.match(judge({ value: 5, detail: '' }, eq, w), { verdict: 'pass' });
  t.match(judge({ value: 7, detail: '' }, eq, w), { verdict: 'fail' });
  t.match(judge({ value: 7, detail: '' }, { ...eq, op: '>=' }, w), { verdict: 'pass' });
  t.match(judge({ value: 1, detail: '' }, { ...eq, op: '==', threshold: 1 }, w), { verdict: 'pass' });
  t.equal(worstVerdict(['pass', 'unknown', 'pass']), 'unknown');
  t.equal(worstVerdict(['pass', 'fail', 'unknown']), 'fail');
  t.equal(worstVerdict(['pass']), 'pass');
  t.equal(worstVerdict([]), 'unknown', 'nothing measured is not a pass');
  t.end();
});

const m = (
  name: Measurement['name'],
  value: number | null,
  verdict: Measurement['verdict'] = 'pass',
  lowerBound = false,
): Measurement => ({
  name,
  value,
  unit: 's',
  slo: null,
  verdict,
  message: '',
  detail: '',
  ...(lowerBound ? { lowerBound } : {}),
});

t.test('repetition stats: nearest-rank percentiles over observed values', (t) => {
  t.equal(percentile([], 50), null);
  t.equal(percentile([1, 2, 3, 4], 50), 2);
  t.equal(percentile([1, 2, 3, 4], 95), 4);
  const runs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => [
    m('rto_s', v, v > 8 ? 'fail' : 'pass'),
    m('lb_failover_s', v === 3 ? null : v / 2),
  ]);
  runs.push([m('rto_s', 99, 'fail', true), m('lb_failover_s', 1)]);
  const stats = repetitionStats(runs);
  t.match(
    stats.find((s) => s.name === 'rto_s'),
    { runs: 11, observed: 10, failed: 3, min: 1, p50: 5, p95: 10, max: 10 },
  );
  t.match(
    stats.find((s) => s.name === 'lb_failover_s'),
    { runs: 11, observed: 10, min: 0.5, max: 5 },
  );
  t.end();
});

t.test('findings', (t) => {
  const tl = new Timeline()
    .add(10_000, { type: 'fault.invoke', fault: 'lb-stop', target: { host: 'lb' } })
    .add(10_500, { type: 'fault.noeffect', fault: 'lb-stop', reason: 'container still running' })
    .add(20_000, { type: 'heal.error', fault: 'lb-stop', error: 'docker start failed' })
    .add(21_000, { type: 'watch.gap', watch: 'nodes', fromMs: 11_000, toMs: 14_000, reason: 'timeout' })
    .add(22_000, { type: 'error', message: 'x' });
  const outside: Measurement = {
    ...m('node_notready_s', 70),
    expected: { min: 40, max: 55, formula: 'f', outside: true },
  };
  const f = deriveFindings(tl.events, [outside], { lbCount: 1 });
  t.same(
    f.map((x) => x.id),
    ['spof-lb', 'fault-no-effect', 'heal-error', 'watch-gaps', 'outside-expected:node_notready_s', 'errors'],
  );
  t.match(f[0]?.message, /single point of failure: one API load balancer/);
  t.match(f[1], { severity: 'critical', message: /did not take effect: container still running/ });
  t.match(f[3]?.message, /1 watch gap\(s\), longest 3.00 s \(nodes\)/);
  t.end();
});

t.test('findings: a component a rolling restart found exited at its turn', (t) => {
  const step = (component: string, extra: object = {}) => ({
    host: 'cp1',
    component,
    oldPid: 1,
    newPid: 2,
    fromMs: 5000,
    readyMs: 6000,
    ...extra,
  });
  const tl = new Timeline()
    .add(1000, { type: 'fault.invoke', fault: 'rolling-restart', target: { host: 'cp1' } })
    .add(7000, {
      type: 'fault.proof',
      fault: 'rolling-restart',
      proof: {
        kind: 'restarted',
        host: 'cp1',
        steps: [step('kube-apiserver'), step('kube-scheduler', { foundExitedMs: 3200, fromMs: 4100 })],
      },
    });
  const f = deriveFindings(tl.events, [], { lbCount: 2 });
  t.same(
    f.map((x) => x.id),
    ['exited-before-restart:kube-scheduler@cp1'],
    'only the step found exited',
  );
  t.match(f[0], {
    severity: 'warning',
    message:
      /^kube-scheduler on cp1 was not running when its turn came \(3\.20 s on the run\): .* waited 0\.9 s for the kubelet to start it again\. .*renew deadline/,
  });
  t.end();
});

t.test('lab timings feed the expected windows (seeds preset)', async (t) => {
  const { PRESET_TIMINGS } = await import('../../src/lab/config.ts');
  const { haTimingsFromLab } = await import('../../src/lab/timings.ts');
  const h = haTimingsFromLab(PRESET_TIMINGS.seeds);
  t.equal(h.nodeMonitorGracePeriodS, 40, 'seeds: grace 40 s');
  t.equal(h.nodeLeaseRenewIntervalS, PRESET_TIMINGS.seeds.kubelet.nodeLeaseDurationS / 4);
  t.equal(h.priority, 100);
  for (const name of [
    'node_notready_s',
    'endpoint_removal_s',
    'lease_reelection_s',
    'vip_takeover_s',
    'lb_failover_s',
    'etcd_leader_election_s',
  ] as const) {
    t.ok(expectedWindow(name, h), `${name} has a window from the lab config`);
  }
  t.ok(
    expectedWindow('node_notready_s', haTimingsFromLab(PRESET_TIMINGS.fast))!.max < 55,
    'fast preset is shorter',
  );
});
