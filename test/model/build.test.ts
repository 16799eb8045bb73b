/** The model builder with the detection analysis: alert outcomes on the result, in the verdict. */
import t from 'tap';
import { apiserverKill } from '../../scenarios/apiserver-kill.ts';
import { analyze } from '../../src/analysis/analyze.ts';
import { buildRunResult } from '../../src/model/build.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import type { TimelineEvent } from '../../src/timeline/events.ts';
import { alertingContext, CP2 } from '../analysis/alerting.ts';
import { apiserverKillRun, Timeline } from '../analysis/synthetic.ts';
import { META } from '../reporters/fixtures.ts';

const slos = resolveSlos({ scenario: apiserverKill });

/** apiserver-kill (fault 10 s, heal 40 → 41 s, end 45 s) with APIServerDown{cp2} detected in time. */
function detected(extra: (t: Timeline) => Timeline = (t) => t): TimelineEvent[] {
  const alerts = new Timeline()
    .alert(13_000, 'APIServerDown', 'pending', CP2)
    .alert(25_000, 'APIServerDown', 'firing', CP2)
    .notify(37_000, 'APIServerDown', 'firing', CP2)
    .alert(44_000, 'APIServerDown', 'inactive', CP2);
  return [...apiserverKillRun(), ...extra(alerts).events];
}

t.test('alert outcomes on the result and in the combined verdict', (t) => {
  const r = buildRunResult({
    meta: META,
    timeline: detected(),
    analysis: { slos, alerting: alertingContext() },
  });
  t.equal(r.verdict, 'pass');
  t.equal(r.verdictMessage, '6/6 SLOs pass; 1/1 expected alerts pass');
  t.same(
    r.measurements.slice(-3).map((m) => [m.name, m.value, m.verdict]),
    [
      ['detect_APIServerDown_s', 15, 'pass'],
      ['notify_APIServerDown_s', 27, 'pass'],
      ['resolve_APIServerDown_s', 4, 'pass'],
    ],
  );
  t.match(r.alerts, [{ alert: 'APIServerDown', role: 'expected', verdict: 'pass', firingMs: 25_000 }]);
  t.ok(Object.isFrozen(r.alerts), 'frozen with the rest of the model');
  t.end();
});

t.test('an unexpected critical alert fails a run whose SLOs all pass; a warning one is a finding', (t) => {
  const r = buildRunResult({
    meta: META,
    timeline: detected((a) =>
      a
        .alert(20_000, 'EtcdNoLeader', 'firing', { member: 'cp1' })
        .alert(21_000, 'EtcdHighFsyncDurations', 'firing', {
          member: 'cp1',
        }),
    ),
    analysis: { slos, alerting: alertingContext() },
  });
  t.equal(r.verdict, 'fail');
  t.equal(
    r.verdictMessage,
    '6/6 SLOs pass; 1/1 expected alerts pass; alerts failed: unexpected EtcdNoLeader{member="cp1"}',
  );
  t.match(r.findings, [{ id: 'alert-unexpected:EtcdHighFsyncDurations', severity: 'warning' }]);
  t.end();
});

t.test('a flapping expected alert fails the run though its measurements pass', (t) => {
  const r = buildRunResult({
    meta: META,
    timeline: detected((a) =>
      a.alert(26_000, 'APIServerDown', 'inactive', CP2).alert(30_000, 'APIServerDown', 'firing', CP2),
    ),
    analysis: { slos, alerting: alertingContext() },
  });
  t.same(
    r.measurements.slice(-3).map((m) => m.verdict),
    ['pass', 'pass', 'pass'],
  );
  t.equal(r.verdict, 'fail');
  t.match(r.verdictMessage, /; 0\/1 expected alerts pass; alerts failed: APIServerDown\{instance="cp2"\}$/);
  t.end();
});

t.test('no alerting context: no alerts, no detection measurement; the analysis still runs once', (t) => {
  let calls = 0;
  const r = buildRunResult({
    meta: META,
    timeline: detected(),
    analysis: { slos },
    analyze: (events, ctx) => {
      calls++;
      return analyze(events, ctx);
    },
  });
  t.equal(calls, 1);
  t.notOk('alerts' in r);
  t.notOk(r.measurements.some((m) => m.name.startsWith('detect_')));
  t.equal(r.verdictMessage, '6/6 SLOs pass');
  t.end();
});

t.test('an expected alert firing before the fault is unknown: the run too, and the message names it', (t) => {
  const r = buildRunResult({
    meta: META,
    timeline: detected((a) => a.alert(5_000, 'APIServerDown', 'firing', CP2)),
    analysis: { slos, alerting: alertingContext() },
  });
  t.equal(r.verdict, 'unknown');
  t.equal(
    r.verdictMessage,
    '6/6 SLOs pass; 0/1 expected alerts pass; alerts unknown: APIServerDown{instance="cp2"}',
  );
  t.end();
});

t.test('an expected alert not timed (fault unproven) is unknown, and said so', (t) => {
  const r = buildRunResult({
    meta: META,
    timeline: detected().filter((e) => e.type !== 'fault.proof'),
    analysis: { slos, alerting: alertingContext() },
  });
  t.equal(r.verdict, 'unknown');
  t.match(r.alerts, [{ verdict: 'unknown', message: /not timed: the fault reported no proof of effect/ }]);
  t.end();
});

t.test('a failed preflight: no alert outcome either (nothing was injected)', (t) => {
  const r = buildRunResult({
    meta: META,
    timeline: [],
    analysis: { slos, alerting: alertingContext() },
    preflight: { ok: false, message: 'etcd has no leader' },
  });
  t.notOk('alerts' in r);
  t.same(r.measurements, []);
  t.end();
});

t.test('the run configuration carries the monitoring timings when the drill ran with Prometheus', (t) => {
  const r = buildRunResult({
    meta: META,
    timeline: detected(),
    analysis: { slos, alerting: alertingContext() },
  });
  t.match(r.meta.config?.timings, {
    'prometheus.scrapeIntervalS': 5,
    'prometheus.evaluationIntervalS': 5,
    'alertmanager.groupWaitS': 10,
    'rule.apiserver/APIServerDown.forS': 10,
  });
  t.notOk('rule.etcd/EtcdNoLeader.forS' in (r.meta.config?.timings ?? {}), 'only the expected alerts rules');
  t.end();
});
