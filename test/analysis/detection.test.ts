import t from 'tap';
import {
  analyzeDetection,
  measurementKeys,
  NO_DETECTION,
  promDuration,
} from '../../src/analysis/detection.ts';
import type { Measurement } from '../../src/analysis/types.ts';
import type { TimelineEvent } from '../../src/timeline/events.ts';
import { alertingContext, CP2, detectedDrill, drill } from './alerting.ts';
import { Timeline } from './synthetic.ts';

const run = (tl: Timeline | TimelineEvent[], ctx = alertingContext()) =>
  analyzeDetection(Array.isArray(tl) ? tl : tl.events, { alerting: ctx });
const byName = (ms: readonly Measurement[]) => Object.fromEntries(ms.map((m) => [m.name, m]));
const NAME = 'APIServerDown{instance="cp2"}';

t.test('fired inside its window: detect, notify and resolve pass, with the pending time', (t) => {
  const d = run(detectedDrill());
  const m = byName(d.measurements);
  t.same(Object.keys(m), ['detect_APIServerDown_s', 'notify_APIServerDown_s', 'resolve_APIServerDown_s']);
  t.match(m.detect_APIServerDown_s, {
    value: 15,
    unit: 's',
    slo: { op: '==', threshold: 'expected' },
    verdict: 'pass',
    message: `${NAME} fired 15 s after the fault, inside its window [10, 23.5]`,
    expected: { min: 10, max: 23.5, outside: false },
  });
  t.match(
    m.detect_APIServerDown_s!.detail,
    'rule APIServerDown (group apiserver, for: 10s, evaluated every 5 s); pending at +3 s (expected [0, 13.5]',
  );
  t.match(m.notify_APIServerDown_s, {
    value: 27,
    verdict: 'pass',
    expected: { min: 20, max: 32.5 },
    message: `${NAME} notified 27 s after the fault, inside its window [20, 32.5]`,
  });
  t.match(m.resolve_APIServerDown_s, {
    value: 5,
    verdict: 'pass',
    expected: { min: 0, max: 13.5 },
    detail: 'healed at 61.00 s; inactive at 66.00 s; resolved notification at 75.00 s',
  });
  t.same(d.alerts, [
    {
      alert: 'APIServerDown',
      labels: CP2,
      role: 'expected',
      severity: 'critical',
      verdict: 'pass',
      message: [
        m.detect_APIServerDown_s!.message,
        m.notify_APIServerDown_s!.message,
        m.resolve_APIServerDown_s!.message,
      ].join('; '),
      pendingMs: 13_000,
      firingMs: 25_000,
      notifiedMs: 37_000,
      resolvedMs: 66_000,
      resolvedNotifiedMs: 75_000,
      episodes: 1,
      labelSets: 1,
      measurements: ['detect_APIServerDown_s', 'notify_APIServerDown_s', 'resolve_APIServerDown_s'],
    },
  ]);
  t.same(d.findings, []);
  t.end();
});

t.test('t0 is the fault effect; another instance of the alert does not count as the expected one', (t) => {
  const tl = detectedDrill()
    .add(12_000, { type: 'fault.effect', fault: 'apiserver-kill', how: 'PID gone' })
    .alert(20_000, 'APIServerDown', 'firing', { instance: 'cp1' });
  const d = run(tl);
  t.match(byName(d.measurements).detect_APIServerDown_s, { value: 13, verdict: 'pass' });
  t.match(d.alerts[1], {
    alert: 'APIServerDown',
    labels: { instance: 'cp1' },
    role: 'unexpected',
    verdict: 'fail',
  });
  t.end();
});

t.test('never fired: fail, saying whether the fault lasted long enough', (t) => {
  const long = run(
    drill().alert(13_000, 'APIServerDown', 'pending', CP2).alert(16_000, 'APIServerDown', 'inactive', CP2),
  );
  t.match(byName(long.measurements).detect_APIServerDown_s, {
    value: null,
    verdict: 'fail',
    message: `${NAME} never fired within its window [10, 23.5] s ([for 10, scrape interval 5 + scrape timeout 2 + evaluation 5 + for 10 + poll 1 + slack 0.5]) although the fault lasted 51 s: it went pending at 13.00 s but never fired — check the expression of rule APIServerDown (group apiserver, for: 10s, evaluated every 5 s) against this fault`,
  });
  t.match(long.alerts[0], { verdict: 'fail', episodes: 0 });
  t.match(byName(long.measurements).notify_APIServerDown_s, {
    verdict: 'unknown',
    message: `not observed: ${NAME} never fired, nothing to notify`,
  });
  t.match(byName(long.measurements).resolve_APIServerDown_s, { verdict: 'unknown' });

  const short = run(drill(15_300));
  t.equal(
    byName(short.measurements).detect_APIServerDown_s!.message,
    `${NAME} never fired: the fault lasted 5.3 s and rule APIServerDown needs its condition for 10 s (for: 10s) — the outage went unnoticed; run with --hold-until-detected to prove detection`,
  );
  t.equal(byName(short.measurements).detect_APIServerDown_s!.verdict, 'fail');
  const middling = run(drill(30_300));
  t.match(
    byName(middling.measurements).detect_APIServerDown_s!.message,
    `${NAME} never fired: the fault lasted 20.3 s, less than the 23.5 s rule APIServerDown (group apiserver, for: 10s, evaluated every 5 s) may take to fire`,
  );
  t.end();
});

t.test('heal.invoke times the fault when there is no heal.done', (t) => {
  const tl = new Timeline()
    .fault(10_000)
    .add(15_000, { type: 'heal.invoke', fault: 'apiserver-kill' })
    .add(90_000, { type: 'note', message: 'end' });
  t.match(byName(run(tl).measurements).detect_APIServerDown_s!.message, /the fault lasted 5 s and/);
  t.end();
});

t.test('no rule loaded for an expected alert: fail, naming it', (t) => {
  const d = run(drill(), alertingContext({ alerts: { expected: [{ alert: 'KubeAPIDown' }] } }));
  t.match(byName(d.measurements).detect_KubeAPIDown_s, {
    verdict: 'fail',
    message:
      'KubeAPIDown never fired: no alerting rule named KubeAPIDown is loaded in Prometheus (GET /api/v1/rules), so nothing could fire it',
  });
  t.notOk(byName(d.measurements).detect_KubeAPIDown_s!.expected);
  t.end();
});

t.test('late and too early: fail against the window, naming the rule', (t) => {
  const late = run(
    drill().alert(40_000, 'APIServerDown', 'firing', CP2).alert(65_000, 'APIServerDown', 'inactive', CP2),
  );
  t.match(byName(late.measurements).detect_APIServerDown_s, {
    value: 30,
    verdict: 'fail',
    expected: { outside: true },
    message: `${NAME} fired 30 s after the fault, late: its window ends at 23.5 s ([for 10, scrape interval 5`,
  });
  t.match(late.alerts[0], { verdict: 'fail', message: /fired 30 s after the fault, late/ });
  const early = run(
    drill()
      .alert(8_000, 'APIServerDown', 'pending', CP2)
      .alert(14_000, 'APIServerDown', 'firing', CP2)
      .alert(65_000, 'APIServerDown', 'inactive', CP2),
  );
  t.match(byName(early.measurements).detect_APIServerDown_s, {
    value: 4,
    verdict: 'fail',
    message: `${NAME} fired 4 s after the fault, too early: its window starts at 10 s ([for 10,`,
  });
  t.match(
    byName(early.measurements).detect_APIServerDown_s!.message,
    /; it was already pending before the fault$/,
  );
  t.end();
});

t.test('flapping: two firing episodes fail the alert even when each time is in its window', (t) => {
  const d = run(
    drill()
      .alert(25_000, 'APIServerDown', 'firing', CP2)
      .notify(37_000, 'APIServerDown', 'firing', CP2)
      .alert(29_000, 'APIServerDown', 'inactive', CP2)
      .alert(33_000, 'APIServerDown', 'firing', CP2)
      .alert(66_000, 'APIServerDown', 'inactive', CP2),
  );
  t.same(
    d.measurements.map((m) => m.verdict),
    ['pass', 'pass', 'pass'],
  );
  t.match(d.alerts[0], {
    verdict: 'fail',
    episodes: 2,
    message: `${NAME} flapped: 2 firing episodes after the fault (at 25.00 s, 33.00 s on the run) — one fault must page once; rule APIServerDown`,
  });
  t.end();
});

t.test('unexpected critical fails; unexpected warning is a finding; allowed passes', (t) => {
  const d = run(
    detectedDrill()
      .alert(15_000, 'EtcdNoLeader', 'firing', { member: 'cp1' })
      .alert(18_000, 'EtcdNoLeader', 'firing', { member: 'cp3' })
      .alert(30_000, 'EtcdNoLeader', 'inactive', { member: 'cp1' })
      .alert(31_000, 'EtcdNoLeader', 'inactive', { member: 'cp3' })
      .alert(20_000, 'EtcdHighFsyncDurations', 'pending', { member: 'cp2' })
      .alert(30_000, 'EtcdHighFsyncDurations', 'firing', { member: 'cp2', severity: 'warning' })
      .alert(21_000, 'EtcdLeaderChanges', 'firing')
      .alert(22_000, 'EtcdHighFsyncDurations', 'pending', { member: 'cp1' }),
  );
  t.same(
    d.alerts.map((a) => [a.alert, a.role, a.severity, a.verdict, a.labelSets]),
    [
      ['APIServerDown', 'expected', 'critical', 'pass', 1],
      ['EtcdNoLeader', 'unexpected', 'critical', 'fail', 2],
      ['EtcdHighFsyncDurations', 'unexpected', 'warning', 'pass', 1],
      ['EtcdLeaderChanges', 'allowed', 'critical', 'pass', 1],
    ],
  );
  t.match(d.alerts[1], {
    labels: {},
    firingMs: 15_000,
    resolvedMs: 31_000,
    message:
      "unexpected critical alert EtcdNoLeader (2 label sets) fired at 15.00 s on the run, 5.0 s after the fault: the scenario neither expects nor allows it — the fault broke something it should not, or, if the fault explains it, add EtcdNoLeader to the scenario's alerts (allowed)",
  });
  t.same(d.findings, [
    {
      id: 'alert-unexpected:EtcdHighFsyncDurations',
      severity: 'warning',
      message:
        'unexpected alert EtcdHighFsyncDurations{member="cp2",severity="warning"} (severity warning) fired at 30.00 s on the run, 20.0 s after the fault: not expected nor allowed by the scenario',
    },
  ]);
  t.match(d.alerts[3], { message: /: allowed by the scenario$/ });
  t.end();
});

t.test('an alert firing before the fault: a finding, not a failure; an expected one is not timed', (t) => {
  const d = run(
    detectedDrill()
      .alert(2_000, 'Watchdog', 'firing')
      .alert(3_000, 'EtcdNoLeader', 'firing', { member: 'cp1' }),
  );
  t.same(
    d.alerts.slice(1).map((a) => [a.alert, a.verdict]),
    [
      ['Watchdog', 'pass'],
      ['EtcdNoLeader', 'pass'],
    ],
  );
  t.same(
    d.findings.map((f) => [f.id, f.severity]),
    [
      ['alert-before-fault:Watchdog', 'info'],
      ['alert-before-fault:EtcdNoLeader', 'warning'],
    ],
  );
  t.match(
    d.findings[0]!.message,
    'Watchdog (severity none) was already firing before the fault (since 2.00 s on the run)',
  );
  const before = run(
    drill().alert(5_000, 'APIServerDown', 'firing', CP2).alert(66_000, 'APIServerDown', 'inactive', CP2),
  );
  t.match(byName(before.measurements).detect_APIServerDown_s, {
    value: null,
    verdict: 'unknown',
    message: /was already firing before the fault \(since 5\.00 s on the run\)/,
  });
  t.match(before.alerts[0], { verdict: 'unknown', firingMs: 5_000 });
  t.end();
});

t.test('not resolved: still firing at the end fails', (t) => {
  const d = run(
    drill().alert(25_000, 'APIServerDown', 'firing', CP2).notify(37_000, 'APIServerDown', 'firing', CP2),
  );
  t.match(byName(d.measurements).resolve_APIServerDown_s, {
    value: null,
    verdict: 'fail',
    message: `${NAME} did not resolve: still firing at the run's end, 29 s after the heal (its window ends 13.5 s after the heal: [clear 0, scrape interval 5`,
  });
  t.match(d.alerts[0], { verdict: 'fail', resolvedMs: undefined });
  t.end();
});

t.test(
  'notification missing while an Alertmanager is configured: fail (resolved before the first flush: nobody paged); too early to tell: unknown',
  (t) => {
    const fired = () =>
      drill().alert(25_000, 'APIServerDown', 'firing', CP2).alert(66_000, 'APIServerDown', 'inactive', CP2);
    t.match(byName(run(fired()).measurements).notify_APIServerDown_s, {
      value: null,
      verdict: 'fail',
      message: `${NAME} fired at 25.00 s but no notification reached the drill's webhook receiver in the 65 s after (group_wait 10 s): check that Prometheus sends to Alertmanager and that a route sends APIServerDown to the drill's receiver`,
    });
    const cut = drill(61_000, 30_000).alert(25_000, 'APIServerDown', 'firing', CP2);
    t.match(byName(run(cut.events.filter((e) => e.atMs <= 30_000)).measurements).notify_APIServerDown_s, {
      verdict: 'unknown',
      message: `not observed: the run ended 5 s after ${NAME} fired, before group_wait 10 s had passed`,
    });
    // Inactive again 5 s after firing, before group_wait 10 s: Alertmanager's first flush holds only
    // a resolved alert and sends nothing (notify.go DedupStage.needsUpdate).
    const brief = drill()
      .alert(25_000, 'APIServerDown', 'firing', CP2)
      .alert(30_000, 'APIServerDown', 'inactive', CP2);
    t.match(byName(run(brief).measurements).notify_APIServerDown_s, {
      value: null,
      verdict: 'fail',
      message: `nobody was paged: ${NAME} fired at 25.00 s and was inactive again 5 s later, before Alertmanager's first flush of its group (up to group_wait 10 s): Alertmanager sends nothing for a group whose first notification holds only resolved alerts (notify.go DedupStage) — the condition of rule APIServerDown (group apiserver, for: 10s, evaluated every 5 s) cleared 5 s after it fired; run with --hold-until-detected to prove notification`,
    });
    // With the route's group_interval (20 s) the alert may have joined an active group, flushed up
    // to 20 s later: inactive 15 s after firing is still before that flush.
    const joined = drill()
      .alert(25_000, 'APIServerDown', 'firing', CP2)
      .alert(40_000, 'APIServerDown', 'inactive', CP2);
    t.match(
      byName(run(joined, alertingContext({ groupIntervalS: 20 })).measurements).notify_APIServerDown_s,
      {
        verdict: 'fail',
        message:
          /^nobody was paged: .* inactive again 15 s later, before Alertmanager's first flush of its group \(up to group_interval 20 s\)/,
      },
    );
    t.match(
      byName(run(joined).measurements).notify_APIServerDown_s,
      {
        verdict: 'fail',
        message: /no notification reached the drill's webhook receiver/,
      },
      'firing 15 s, past group_wait 10 s: the notification is missing',
    );
    const noAm = run(fired(), alertingContext({ groupWaitS: undefined }));
    t.same(
      noAm.measurements.map((m) => [m.name, m.verdict]),
      [
        ['detect_APIServerDown_s', 'pass'],
        ['resolve_APIServerDown_s', 'pass'],
      ],
      'no Alertmanager: no notify measurement',
    );
    t.end();
  },
);

t.test('no alerting context: no detection measurement at all', (t) => {
  t.equal(analyzeDetection(detectedDrill().events, {}), NO_DETECTION);
  t.same(NO_DETECTION, { measurements: [], alerts: [], findings: [] });
  t.end();
});

t.test('fault not proven: every detection measurement unknown, with the reason', (t) => {
  const tl = detectedDrill().events.filter((e) => e.type !== 'fault.proof');
  const d = run(tl);
  t.same(
    d.measurements.map((m) => [m.value, m.verdict, m.message]),
    [
      [null, 'unknown', 'not observed: the fault reported no proof of effect'],
      [null, 'unknown', 'not observed: the fault reported no proof of effect'],
      [null, 'unknown', 'not observed: the fault reported no proof of effect'],
    ],
  );
  t.match(d.alerts[0], {
    verdict: 'unknown',
    message: `${NAME} not timed: the fault reported no proof of effect`,
  });
  t.end();
});

t.test('two expected alerts of one name get measurement names with their labels', (t) => {
  t.same(
    measurementKeys([
      { alert: 'TargetDown', labels: { job: 'etcd' } },
      { alert: 'TargetDown', labels: { job: 'kube-apiserver', instance: '198.18.0.12:6443' } },
      { alert: 'APIServerDown' },
    ]),
    ['TargetDown_job_etcd', 'TargetDown_instance_198_18_0_12_6443_job_kube_apiserver', 'APIServerDown'],
  );
  t.end();
});

t.test('durations as Prometheus writes them', (t) => {
  t.same([300, 90, 0.5, 3600, 0, 15].map(promDuration), ['5m', '1m30s', '500ms', '1h', '0s', '15s']);
  t.end();
});

t.test(
  "a notification of an earlier firing episode (Alertmanager repeating its group) is not this fault's",
  (t) => {
    // Prometheus' clock: the episode went active at 12:00:13, fired at 12:00:25.
    const episode = (state: 'pending' | 'firing') =>
      ({
        type: 'alert',
        alert: 'APIServerDown',
        state,
        labels: { alertname: 'APIServerDown', ...CP2 },
        activeAt: '2026-12-02T12:00:13.000Z',
      }) as const;
    const note = (startsAt: string) =>
      ({
        type: 'alert.notify',
        alert: 'APIServerDown',
        status: 'firing',
        labels: { alertname: 'APIServerDown', ...CP2 },
        receiver: 'ha-drill',
        startsAt,
      }) as const;
    const tl = drill()
      .add(10_500, note('2026-12-02T11:58:00.000Z'), 'alerts')
      .add(13_000, episode('pending'), 'alerts')
      .add(25_000, episode('firing'), 'alerts')
      .add(37_000, note('2026-12-02T12:00:25.000Z'), 'alerts')
      .alert(66_000, 'APIServerDown', 'inactive', CP2);
    const m = byName(run(tl).measurements);
    t.match(m.notify_APIServerDown_s, { value: 27, verdict: 'pass' }, 'the stale one at 10.5 s is skipped');
    t.end();
  },
);
