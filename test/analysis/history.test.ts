/** History: the configuration fingerprint and the choice of the run to compare with (pure). */
import t from 'tap';
import {
  compareWithHistory,
  configDifferences,
  type PreviousRun,
  runConfigOf,
} from '../../src/analysis/history.ts';
import { repetitionStats } from '../../src/analysis/stats.ts';
import type { Measurement, Verdict } from '../../src/analysis/types.ts';
import type { AnyMeasurementName } from '../../src/slo/types.ts';
import { alertingContext } from './alerting.ts';

const m = (name: AnyMeasurementName, value: number | null, verdict: Verdict = 'pass'): Measurement => ({
  name,
  value,
  unit: 's',
  slo: { op: '<', threshold: 30, source: 'default' },
  verdict,
  message: '',
  detail: '',
});

const FAST = { masterLeaseTtlS: 15, endpointReconcileIntervalS: 10 };

t.test('the fingerprint covers preset, timings and options, and nothing else', (t) => {
  const base = runConfigOf({ preset: 'fast', params: { signal: 'KILL', host: undefined } }, FAST);
  t.same(base.options, { signal: 'KILL' }, 'unset options are left out');
  t.match(base.fingerprint, /^[0-9a-f]{12}$/);
  const same = runConfigOf(
    { preset: 'fast', params: { signal: 'KILL' } },
    { endpointReconcileIntervalS: 10, masterLeaseTtlS: 15 },
  );
  t.equal(same.fingerprint, base.fingerprint, 'key order does not matter');
  const changed = [
    runConfigOf({ preset: 'seeds', params: { signal: 'KILL' } }, FAST),
    runConfigOf({ preset: 'fast', params: { signal: 'TERM' } }, FAST),
    runConfigOf({ preset: 'fast', params: { signal: 'KILL', variant: 'graceful' } }, FAST),
    runConfigOf({ preset: 'fast', params: { signal: 'KILL' } }, { ...FAST, masterLeaseTtlS: 60 }),
    runConfigOf({ params: { signal: 'KILL' } }, FAST),
  ];
  t.same(
    changed.map((c) => c.fingerprint === base.fingerprint),
    [false, false, false, false, false],
  );
  t.same(configDifferences(changed[3]!, base), ['masterLeaseTtlS 60 ≠ 15']);
  t.same(configDifferences(changed[4]!, base), ['preset none ≠ fast']);
  t.end();
});

const run = (
  startedAt: string,
  preset: string,
  value: number,
  extra: Partial<PreviousRun> = {},
): PreviousRun => ({
  scenario: 'apiserver-kill',
  target: 'lab',
  startedAt,
  dir: `reports/${startedAt}`,
  config: runConfigOf({ preset }, FAST),
  measurements: [
    { name: 'rto_s', value, verdict: 'pass' },
    { name: 'lb_failover_s', value: 2.5, verdict: 'pass' },
  ],
  ...extra,
});

const NOW = { scenario: 'apiserver-kill', target: 'lab', startedAt: '2026-09-01T00:00:00.000Z' };

t.test('compares with the newest earlier run of the same configuration', (t) => {
  const current = { ...NOW, config: runConfigOf({ preset: 'fast' }, FAST) };
  const d = compareWithHistory(
    current,
    [m('rto_s', 6, 'fail'), m('lb_failover_s', 2), m('api_outage_s', null, 'unknown')],
    [
      run('2026-07-01T00:00:00.000Z', 'fast', 1),
      run('2026-08-01T00:00:00.000Z', 'fast', 4),
      run('2026-08-15T00:00:00.000Z', 'seeds', 12.6),
      run('2026-09-02T00:00:00.000Z', 'fast', 9),
      run('2026-08-20T00:00:00.000Z', 'fast', 9, { target: 'kind' }),
      run('2026-08-21T00:00:00.000Z', 'fast', 9, { scenario: 'lb-stop' }),
    ],
  );
  if (d?.kind !== 'compared') throw new Error(`expected a comparison, got ${d?.kind}`);
  t.same(d.previous, { startedAt: '2026-08-01T00:00:00.000Z', dir: 'reports/2026-08-01T00:00:00.000Z' });
  t.equal(d.skipped, 1, 'the newer seeds run; later, other-target and other-scenario runs do not count');
  t.match(d.matchedOn, 'same scenario (apiserver-kill), target (lab) and configuration preset fast');
  t.match(d.entries[0], { name: 'rto_s', previous: 4, current: 6, delta: 2, deltaPct: 50, regressed: true });
  t.match(d.entries[1], { name: 'lb_failover_s', delta: -0.5, deltaPct: -20, regressed: false });
  t.match(d.entries[2], {
    name: 'api_outage_s',
    previous: null,
    delta: null,
    previousVerdict: null,
    regressed: false,
  });
  t.end();
});

t.test('earlier runs but none alike: unmatched with the count; none at all: no history', (t) => {
  const current = { ...NOW, config: runConfigOf({ preset: 'fast' }, FAST) };
  const d = compareWithHistory(
    current,
    [m('rto_s', 3)],
    [
      run('2026-08-15T00:00:00.000Z', 'seeds', 12.6),
      run('2026-08-01T00:00:00.000Z', 'fast', 1, { config: null }),
    ],
  );
  t.same(d, {
    kind: 'unmatched',
    skipped: 2,
    message:
      'no previous run with the same timing configuration (preset, timings, options); 2 runs with other configurations skipped; 1 written before configurations were recorded; the newest (2026-08-15T00:00:00.000Z) differs in preset seeds ≠ fast',
  });
  t.equal(compareWithHistory(current, [m('rto_s', 3)], []), undefined);
  t.equal(
    compareWithHistory(current, [m('rto_s', 3)], [run('2026-09-02T00:00:00.000Z', 'fast', 1)]),
    undefined,
    'a run started later is not history',
  );
  t.end();
});

t.test('detection measurements compare like any other; the monitoring timings enter the fingerprint', (t) => {
  const alerting = alertingContext();
  const config = runConfigOf({ preset: 'fast' }, FAST, alerting);
  t.not(
    config.fingerprint,
    runConfigOf({ preset: 'fast' }, FAST).fingerprint,
    'a drill with Prometheus is another configuration',
  );
  const slower = runConfigOf({ preset: 'fast' }, FAST, alertingContext({ scrapeIntervalS: 15 }));
  t.same(configDifferences(slower, config), ['prometheus.scrapeIntervalS 15 ≠ 5']);
  const d = compareWithHistory(
    { ...NOW, config },
    [m('detect_APIServerDown_s', 18, 'fail'), m('notify_APIServerDown_s', 27)],
    [
      run('2026-08-01T00:00:00.000Z', 'fast', 1, {
        config,
        measurements: [
          { name: 'detect_APIServerDown_s', value: 15, verdict: 'pass' },
          { name: 'notify_APIServerDown_s', value: 30, verdict: 'pass' },
        ],
      }),
    ],
  );
  if (d?.kind !== 'compared') throw new Error(`expected a comparison, got ${d?.kind}`);
  t.match(d.entries, [
    { name: 'detect_APIServerDown_s', previous: 15, current: 18, delta: 3, regressed: true },
    { name: 'notify_APIServerDown_s', previous: 30, current: 27, delta: -3, regressed: false },
  ]);
  t.end();
});

t.test('repetition statistics over detection measurements', (t) => {
  const stats = repetitionStats([15, 17, 16].map((v) => [m('detect_APIServerDown_s', v)]));
  t.match(stats, [{ name: 'detect_APIServerDown_s', runs: 3, observed: 3, min: 15, p50: 16, max: 17 }]);
  t.end();
});
