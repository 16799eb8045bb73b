import t from 'tap';
import type { AlertOutcome } from '../../src/analysis/detection.ts';
import { alertCells, alertTestName, alertTitle, measurementsOf } from '../../src/reporters/alert-text.ts';
import { detectionRun } from './fixtures.ts';

const flapped: AlertOutcome = {
  alert: 'APIServerDown',
  labels: { job: 'apiserver', instance: 'cp2' },
  role: 'expected',
  severity: null,
  verdict: 'fail',
  message: 'flapped',
  firingMs: 12_340,
  episodes: 3,
  labelSets: 1,
};

t.test('one alert row: labels sorted, run times, episodes when it flapped', (t) => {
  t.equal(alertTitle(flapped), 'APIServerDown{instance="cp2",job="apiserver"}');
  t.same(alertCells(flapped), [
    'APIServerDown{instance="cp2",job="apiserver"}',
    'expected',
    '—',
    '—',
    '12.3 s (3 episodes)',
    '—',
    '—',
    'fail',
  ]);
  t.equal(
    alertTestName('apiserver-kill', flapped),
    'apiserver-kill › alert APIServerDown{instance="cp2",job="apiserver"}',
  );
  t.equal(
    alertTestName('apiserver-kill', { ...flapped, role: 'unexpected', labels: {} }),
    'apiserver-kill › unexpected alert APIServerDown',
  );
  t.end();
});

t.test("an expected alert's detection measurements, in the run's order", (t) => {
  const run = detectionRun();
  t.same(
    measurementsOf(run, run.alerts![0]!).map((m) => m.name),
    ['detect_APIServerDown_s', 'notify_APIServerDown_s', 'resolve_APIServerDown_s'],
  );
  t.same(measurementsOf(run, run.alerts![2]!), [], 'an unexpected alert has none');
  t.end();
});
