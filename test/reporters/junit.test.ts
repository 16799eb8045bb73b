import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildRunResult } from '../../src/model/build.ts';
import { writeJUnit } from '../../src/reporters/junit.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import { META, mixedRun, suite } from './fixtures.ts';
import { all, one, parseXml, props } from './xml.ts';

const tmp = () => mkdtemp(path.join(tmpdir(), 'junit-'));

t.test('one test case per SLO, failures, skipped unknowns, properties', async (t) => {
  const file = path.join(await tmp(), 'junit.xml');
  const xml = await writeJUnit(mixedRun(), file);
  t.equal(await readFile(file, 'utf8'), xml, 'the file is what mocha-junit-reporter wrote');
  const root = parseXml(xml);
  t.equal(root.name, 'testsuites');
  t.match(root.attrs, { name: 'ha-drill apiserver-kill', tests: '6', failures: '1', skipped: '2' });
  const suites = all(root, 'testsuite');
  t.equal(suites.length, 1, 'no empty Root Suite');
  const s = suites[0]!;
  t.match(s.attrs, { name: 'apiserver-kill', tests: '6', failures: '1', skipped: '2' });
  t.match(props(s), {
    scenario: 'apiserver-kill',
    target: 'lab',
    verdict: 'fail',
    fault: 'apiserver-kill (proven)',
  });
  const cases = all(s, 'testcase');
  t.same(
    cases.map((c) => c.attrs.name),
    [
      'apiserver-kill › lb_failover_s < 30',
      'apiserver-kill › api_outage_s < 30',
      'apiserver-kill › endpoint_removal_s < 30',
      'apiserver-kill › rto_s < 2',
      'apiserver-kill › rpo_lost_writes <= 0',
      'apiserver-kill › rpo_window_s <= 0',
    ],
  );
  t.ok(cases.every((c) => c.attrs.classname === 'ha-drill.apiserver-kill'));
  const rto = cases[3]!;
  t.match(one(rto, 'failure')?.attrs, { message: 'rto_s: measured 4.5, violates < 2', type: 'SloViolation' });
  t.match(props(rto), {
    measurement: 'rto_s',
    value: '4.5',
    unit: 's',
    verdict: 'fail',
    slo_op: '<',
    slo_threshold: '2',
    slo_source: 'cli',
  });
  const lb = cases[0]!;
  t.notOk(one(lb, 'failure'));
  t.match(props(lb), { value: '4', expected_min: '0', expected_max: '10', outside_expected: 'false' });
  t.match(one(lb, 'system-out')?.text, /^measured: 4 s\nslo: < 30 \(default\)\nexpected: \[0, 10\]/);
  const rpo = cases[4]!;
  t.ok(one(rpo, 'skipped'), 'unknown → skipped by default');
  t.match(props(rpo), { value: '', verdict: 'unknown' });
  t.match(one(rpo, 'system-out')?.text, /verdict: unknown: not observed: no read-back was recorded/);
  t.notMatch(xml, /sup3rs3cret/);
});

t.test('unknownAs failure, preflight failure and abort cases', async (t) => {
  const dir = await tmp();
  const root = parseXml(await writeJUnit(mixedRun(), path.join(dir, 'a.xml'), { unknownAs: 'failure' }));
  t.match(root.attrs, { failures: '3' });
  t.notOk(root.attrs.skipped);
  const pre = buildRunResult({
    meta: META,
    timeline: [],
    analysis: { scenario: 'apiserver-kill', slos: resolveSlos({ scenario: 'apiserver-kill' }) },
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
    analysis: { scenario: 'apiserver-kill', slos: {} },
    aborted: { signal: 'SIGINT' },
  });
  const a = parseXml(await writeJUnit(ab, path.join(dir, 'c.xml')));
  t.same(
    all(all(a, 'testsuite')[0]!, 'testcase').map((c) => c.attrs.name),
    ['apiserver-kill › run'],
  );
});

t.test('suite: one testsuite per scenario; MOCHA_FILE/JENKINS_MODE cannot change the file', async (t) => {
  const dir = await tmp();
  process.env.MOCHA_FILE = path.join(dir, 'elsewhere.xml');
  process.env.JENKINS_MODE = 'true';
  try {
    const file = path.join(dir, 'junit.xml');
    const root = parseXml(await writeJUnit(suite(), file));
    t.match(root.attrs, { name: 'ha-drill all', tests: '7', failures: '0' });
    t.same(
      all(root, 'testsuite').map((s) => s.attrs.name),
      ['apiserver-kill', 'leader-kill'],
    );
    t.same(
      all(all(root, 'testsuite')[1]!, 'testcase').map((c) => c.attrs.name),
      ['leader-kill › lease_reelection_s < 30'],
    );
    await t.rejects(readFile(process.env.MOCHA_FILE, 'utf8'));
  } finally {
    delete process.env.MOCHA_FILE;
    delete process.env.JENKINS_MODE;
  }
});
