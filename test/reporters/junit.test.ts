import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { apiserverKill } from '../../scenarios/apiserver-kill.ts';
import { buildRunResult } from '../../src/model/build.ts';
import { writeJUnit } from '../../src/reporters/junit.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import { testTmp } from '../helpers/temp.ts';
import { CDS, detectionRun, META, mixedRun, suite, targetRun } from './fixtures.ts';
import { all, one, parseXml, props, type XmlElement } from './xml.ts';

const tmp = async () => testTmp('junit-');

/** What a JUnit consumer sees of one testcase: outcome, failure message and the measurement. */
function caseSummary(c: XmlElement) {
  const failure = one(c, 'failure');
  const p = props(c);
  return {
    name: c.attrs.name,
    outcome: failure ? 'failure' : one(c, 'skipped') ? 'skipped' : 'passed',
    message: failure?.attrs.message ?? null,
    value: p.value,
    verdict: p.verdict,
    slo: `${p.slo_op} ${p.slo_threshold} (${p.slo_source})`,
  };
}

t.test('the file on disk: one test case per SLO, failures, skipped unknowns, properties', async (t) => {
  const file = path.join(await tmp(), 'junit.xml');
  await writeJUnit(mixedRun(), file);
  // Read and parse what is on disk, then check it against what mixedRun() must produce:
  // rto_s < 2 fails (4.5 s), no read-back so both RPO measurements are unknown, the rest pass.
  const root = parseXml(await readFile(file, 'utf8'));
  t.equal(root.name, 'testsuites');
  const suites = all(root, 'testsuite');
  t.equal(suites.length, 1, 'one testsuite, no empty Root Suite');
  const s = suites[0]!;
  const cases = all(s, 'testcase');
  t.same(cases.slice(0, 6).map(caseSummary), [
    {
      name: 'apiserver-kill › lb_failover_s < 30',
      outcome: 'passed',
      message: null,
      value: '4',
      verdict: 'pass',
      slo: '< 30 (default)',
    },
    {
      name: 'apiserver-kill › api_outage_s < 30',
      outcome: 'passed',
      message: null,
      value: '4',
      verdict: 'pass',
      slo: '< 30 (default)',
    },
    {
      name: 'apiserver-kill › endpoint_removal_s < 30',
      outcome: 'passed',
      message: null,
      value: '17.005',
      verdict: 'pass',
      slo: '< 30 (default)',
    },
    {
      name: 'apiserver-kill › rto_s < 2',
      outcome: 'failure',
      message: 'rto_s: measured 4.5, violates < 2',
      value: '4.5',
      verdict: 'fail',
      slo: '< 2 (cli)',
    },
    {
      name: 'apiserver-kill › rpo_lost_writes <= 0',
      outcome: 'skipped',
      message: null,
      value: '',
      verdict: 'unknown',
      slo: '<= 0 (default)',
    },
    {
      name: 'apiserver-kill › rpo_window_s <= 0',
      outcome: 'skipped',
      message: null,
      value: '',
      verdict: 'unknown',
      slo: '<= 0 (default)',
    },
  ]);
  // The counts in the headers must agree with the cases themselves.
  const counts = { tests: '7', failures: '2', skipped: '2' };
  t.match(root.attrs, { name: 'ha-drill apiserver-kill', ...counts });
  t.match(s.attrs, { name: 'apiserver-kill', ...counts });
  t.same(
    cases.map((c) => c.attrs.classname),
    Array(7).fill('ha-drill.apiserver-kill'),
  );
  t.equal(one(cases[3]!, 'failure')?.attrs.type, 'SloViolation');
  const suiteProps = props(s);
  t.match(suiteProps.config_fingerprint, /^[0-9a-f]{12}$/);
  t.same(suiteProps, {
    scenario: 'apiserver-kill',
    target: 'lab',
    preset: 'fast',
    verdict: 'fail',
    verdict_message: '3/6 SLOs pass; failed: rto_s; unknown: rpo_lost_writes, rpo_window_s',
    fault: 'apiserver-kill (proven)',
    started_at: '2026-11-22T02:40:00.000Z',
    harness_version: '0.1.0',
    config_fingerprint: suiteProps.config_fingerprint,
    history: `Previous run reports/20260822T024000Z-apiserver-kill (started 2026-08-22T02:40:00.000Z): same scenario (apiserver-kill), target (lab) and configuration preset fast, no options, fingerprint ${suiteProps.config_fingerprint}; 1 newer run with another configuration skipped.`,
    history_previous_started_at: '2026-08-22T02:40:00.000Z',
    history_previous_dir: 'reports/20260822T024000Z-apiserver-kill',
    timings_from: 'Timings from lab preset fast.',
    'timing.masterLeaseTtlS': '15',
    'timing.masterLeaseTtlS.origin': 'lab preset fast',
    'timing.endpointReconcileIntervalS': '10',
    'timing.endpointReconcileIntervalS.origin': 'lab preset fast',
    'timing.checkInterMs': '2000',
    'timing.checkInterMs.origin': 'lab preset fast',
    'timing.checkTimeoutMs': '3000',
    'timing.checkTimeoutMs.origin': 'lab preset fast',
    'timing.fall': '2',
    'timing.fall.origin': 'lab preset fast',
  });
  // The fidelity test case: failing, the problems in its message, output and properties.
  const fidelity = cases[6]!;
  t.equal(fidelity.attrs.name, 'apiserver-kill › fidelity');
  t.equal(
    one(fidelity, 'failure')?.attrs.message,
    '2 fidelity problems: rpo_lost_writes: not observed: no read-back was recorded; rpo_window_s: not observed: no read-back was recorded',
  );
  t.same(props(fidelity), {
    fidelity_problems: '2',
    'problem.1': 'measurement-null: rpo_lost_writes: not observed: no read-back was recorded',
    'problem.2': 'measurement-null: rpo_window_s: not observed: no read-back was recorded',
  });
  t.equal(
    one(fidelity, 'system-out')?.text,
    'Timings from lab preset fast.\nproblem: rpo_lost_writes: not observed: no read-back was recorded\nproblem: rpo_window_s: not observed: no read-back was recorded',
  );
  t.same(props(cases[0]!), {
    measurement: 'lb_failover_s',
    value: '4',
    unit: 's',
    verdict: 'pass',
    slo_op: '<',
    slo_threshold: '30',
    slo_source: 'default',
    expected_min: '0',
    expected_max: '14',
    outside_expected: 'false',
  });
  t.same(props(cases[4]!), {
    measurement: 'rpo_lost_writes',
    value: '',
    unit: 'writes',
    verdict: 'unknown',
    slo_op: '<=',
    slo_threshold: '0',
    slo_source: 'default',
    expected_min: '0',
    expected_max: '0',
  });
  t.match(one(cases[0]!, 'system-out')?.text, /^measured: 4 s\nslo: < 30 \(default\)\nexpected: \[0, 14\]/);
  t.match(one(cases[4]!, 'system-out')?.text, /verdict: unknown: not observed: no read-back was recorded/);
  t.notMatch(await readFile(file, 'utf8'), /sup3rs3cret/);
});

t.test('unknownAs failure, preflight failure and abort cases', async (t) => {
  const dir = await tmp();
  const root = parseXml(await writeJUnit(mixedRun(), path.join(dir, 'a.xml'), { unknownAs: 'failure' }));
  t.match(root.attrs, { failures: '4' }, 'rto_s, both RPO unknowns and fidelity');
  t.notOk(root.attrs.skipped);
  const pre = buildRunResult({
    meta: META,
    timeline: [],
    analysis: { slos: resolveSlos({ scenario: apiserverKill }) },
    preflight: { ok: false, message: 'cp3 /readyz: 500' },
  });
  const p = parseXml(await writeJUnit(pre, path.join(dir, 'b.xml')));
  const pc = all(all(p, 'testsuite')[0]!, 'testcase');
  t.same(
    pc.map((c) => c.attrs.name),
    ['apiserver-kill › preflight'],
  );
  t.match(one(pc[0]!, 'failure')?.attrs.message, 'preflight failed: cp3 /readyz: 500');
  const ab = buildRunResult({
    meta: META,
    timeline: [],
    analysis: { slos: {} },
    aborted: { signal: 'SIGINT' },
  });
  const a = parseXml(await writeJUnit(ab, path.join(dir, 'c.xml')));
  t.same(
    all(all(a, 'testsuite')[0]!, 'testcase').map((c) => c.attrs.name),
    ['apiserver-kill › run', 'apiserver-kill › fidelity'],
  );
});

t.test(
  'a target run: timing origins as properties, a failing fidelity case for an undefined input',
  async (t) => {
    const root = parseXml(await writeJUnit(targetRun(), path.join(await tmp(), 'junit.xml')));
    const s = all(root, 'testsuite')[0]!;
    const p = props(s);
    t.equal(p.timings_from, 'Timing inputs: 3 read from the cluster, 11 upstream defaults, 1 undefined.');
    t.equal(p['timing.checkInterMs'], '2000');
    t.equal(p['timing.checkInterMs.origin'], `configured in ${CDS}`);
    t.equal(
      p['timing.nodeMonitorGracePeriodS.origin'],
      'default: default since v1.32 (PR 126287), controller-manager v1.36.1',
    );
    t.equal(p['timing.fall'], 'undefined (needed by lb_failover_s)');
    t.notOk('timing.fall.origin' in p, 'an undefined input has no origin');
    t.equal(p.inject_latency_ms, '30');
    const fidelity = all(s, 'testcase').find((c) => c.attrs.name === 'apiserver-kill › fidelity');
    t.equal(
      one(fidelity!, 'failure')?.attrs.message,
      '1 fidelity problem: lb_failover_s: no expected window: fall undefined on this target',
    );
    t.match(root.attrs, { tests: '7', failures: '1' }, 'every SLO passes; only fidelity fails');
  },
);

t.test('suite: one testsuite per scenario; MOCHA_FILE/JENKINS_MODE cannot change the file', async (t) => {
  const dir = await tmp();
  process.env.MOCHA_FILE = path.join(dir, 'elsewhere.xml');
  process.env.JENKINS_MODE = 'true';
  try {
    const file = path.join(dir, 'junit.xml');
    const root = parseXml(await writeJUnit(suite(), file));
    t.match(root.attrs, { name: 'ha-drill all', tests: '9', failures: '0' });
    t.same(
      all(root, 'testsuite').map((s) => s.attrs.name),
      ['apiserver-kill', 'leader-kill'],
    );
    t.same(
      all(all(root, 'testsuite')[1]!, 'testcase').map((c) => c.attrs.name),
      ['leader-kill › lease_reelection_s < 30', 'leader-kill › fidelity'],
    );
    await t.rejects(readFile(process.env.MOCHA_FILE, 'utf8'));
  } finally {
    delete process.env.MOCHA_FILE;
    delete process.env.JENKINS_MODE;
  }
});

t.test(
  'detection: per-SLO cases for detect/notify/resolve, one case per expected alert, failing unexpected ones',
  async (t) => {
    const file = path.join(await tmp(), 'junit.xml');
    await writeJUnit(detectionRun(), file);
    const s = all(parseXml(await readFile(file, 'utf8')), 'testsuite')[0]!;
    const cases = all(s, 'testcase');
    const outcome = (c: XmlElement) =>
      one(c, 'failure') ? 'failure' : one(c, 'skipped') ? 'skipped' : 'passed';
    t.same(
      cases.slice(6).map((c) => [c.attrs.name, outcome(c)]),
      [
        ['apiserver-kill › detect_APIServerDown_s == expected', 'passed'],
        ['apiserver-kill › notify_APIServerDown_s == expected', 'passed'],
        ['apiserver-kill › resolve_APIServerDown_s == expected', 'passed'],
        ['apiserver-kill › detect_EtcdHighFsyncDurations_s == expected', 'failure'],
        ['apiserver-kill › notify_EtcdHighFsyncDurations_s == expected', 'skipped'],
        ['apiserver-kill › resolve_EtcdHighFsyncDurations_s == expected', 'skipped'],
        ['apiserver-kill › alert APIServerDown{instance="cp2"}', 'passed'],
        ['apiserver-kill › alert EtcdHighFsyncDurations', 'failure'],
        ['apiserver-kill › unexpected alert EtcdNoLeader{member="cp1"}', 'failure'],
        ['apiserver-kill › fidelity', 'failure'],
      ],
    );
    t.match(props(cases[6]!), {
      measurement: 'detect_APIServerDown_s',
      value: '15',
      expected_min: '10',
      expected_max: '23.5',
    });
    const api = cases[12]!;
    t.same(props(api), {
      alert: 'APIServerDown',
      labels: '{instance="cp2"}',
      role: 'expected',
      severity: 'critical',
      verdict: 'pass',
      pending_at_s: '13',
      firing_at_s: '25',
      notified_at_s: '37',
      resolved_at_s: '44',
      firing_episodes: '1',
      detect_APIServerDown_s: '15',
      notify_APIServerDown_s: '27',
      resolve_APIServerDown_s: '4',
    });
    t.match(
      one(api, 'system-out')?.text,
      /^verdict: pass: APIServerDown\{instance="cp2"\} fired 15 s after the fault/,
    );
    t.match(
      one(api, 'system-out')?.text,
      '\ndetect_APIServerDown_s: 15 s, expected [10, 23.5]: APIServerDown{instance="cp2"} fired 15 s after the fault, inside its window [10, 23.5]\n',
    );
    t.equal(
      one(cases[13]!, 'failure')?.attrs.message,
      'EtcdHighFsyncDurations: EtcdHighFsyncDurations never fired within its window [10, 23.5] s ([for 10, scrape interval 5 + scrape timeout 2 + evaluation 5 + for 10 + poll 1 + slack 0.5]) although the fault lasted 30 s: it never even went pending — check the expression of rule EtcdHighFsyncDurations (group etcd, for: 10s, evaluated every 5 s) against this fault',
    );
    t.match(
      one(cases[14]!, 'failure')?.attrs.message,
      /^EtcdNoLeader\{member="cp1"\}: unexpected critical alert EtcdNoLeader/,
    );
    t.match(s.attrs, { tests: '16', failures: '4', skipped: '2' });
    t.end();
  },
);
