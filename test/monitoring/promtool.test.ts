/**
 * src/monitoring/promtool.ts with the real promtool (/usr/bin/promtool, Prometheus 2.42) on rule
 * folders written to a temp directory: a good folder passes; a broken expression, a wrong unit
 * test and an untested rule each fail verifyRuleFolder with promtool's own words or a sentence
 * naming the rule (so test/alerts/rules.test.ts can fail); ruleTestGaps' coverage rules.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import {
  checkRules,
  promtool,
  ruleTestGaps,
  testRules,
  verifyRuleFolder,
} from '../../src/monitoring/promtool.ts';
import { loadRules } from '../../src/monitoring/rules.ts';
import { testTmp } from '../helpers/temp.ts';

const RULE = `groups:
  - name: t.rules
    rules:
      - alert: ThingDown
        expr: up{job="thing"} == 0
        for: 2m
        labels:
          severity: critical
        annotations:
          summary: Thing is down.
          description: 'Thing {{ $labels.instance }} is down.'
`;

/** A unit test of RULE: down from 1m, so pending at 1m and firing at 3m. `firesAt` moves the claim. */
const unitTest = (firesAt = '3m', severity = 'critical', ruleFile = '../rules/thing.yaml') => `rule_files:
  - ${ruleFile}
evaluation_interval: 15s
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="thing", instance="a:1"}'
        values: '1 0x10'
    alert_rule_test:
      - eval_time: 2m45s
        alertname: ThingDown
      - eval_time: ${firesAt}
        alertname: ThingDown
        exp_alerts:
          - exp_labels:
              job: thing
              instance: a:1
              severity: ${severity}
            exp_annotations:
              summary: Thing is down.
              description: Thing a:1 is down.
`;

/** A folder with alerts/rules/thing.yaml and alerts/tests/thing.yaml. */
function folder(rule: string, test: string): { rules: string; tests: string } {
  const root = testTmp('promtool-');
  const rules = path.join(root, 'rules');
  const tests = path.join(root, 'tests');
  fs.mkdirSync(rules);
  fs.mkdirSync(tests);
  fs.writeFileSync(path.join(rules, 'thing.yaml'), rule);
  fs.writeFileSync(path.join(tests, 'thing.yaml'), test);
  return { rules, tests };
}

t.test('a good folder passes: check, unit tests, coverage', async (t) => {
  const f = folder(RULE, unitTest());
  t.same(await verifyRuleFolder(f.rules, f.tests), []);
  const check = await checkRules([path.join(f.rules, 'thing.yaml')]);
  t.ok(check.ok, check.output);
  t.match(check.output, /SUCCESS: 1 rules found/);
});

t.test('a wrong unit test fails with promtool output naming the alert and time', async (t) => {
  // the test claims the alert fires at 2m, one minute before its `for` has passed
  const f = folder(RULE, unitTest('2m'));
  const r = await testRules([path.join(f.tests, 'thing.yaml')]);
  t.equal(r.ok, false);
  t.equal(r.exitCode, 1);
  t.match(r.output, /FAILED:[\s\S]*alertname: ThingDown, time: 2m/);
  const problems = await verifyRuleFolder(f.rules, f.tests);
  t.equal(problems.length, 1, problems.join('\n'));
  t.match(problems[0], /promtool test rules .* failed \(exit 1\):\n[\s\S]*alertname: ThingDown, time: 2m/);
});

t.test('a broken rule fails promtool check rules, with its parse error', async (t) => {
  const f = folder(RULE.replace('up{job="thing"} == 0', 'up{job="thing" == 0'), unitTest());
  const problems = await verifyRuleFolder(f.rules, f.tests);
  t.match(
    problems.join('\n'),
    /promtool check rules .* failed \(exit 1\):\n[\s\S]*could not parse expression/,
  );
  t.match(problems.join('\n'), /promtool test rules .* failed/, 'and the unit tests cannot load it');
});

t.test('a rule the tests leave out is a gap', async (t) => {
  const f = folder(
    `${RULE}      - alert: ThingSlow
        expr: thing_latency_seconds > 1
        labels:
          severity: warning
        annotations:
          summary: Thing is slow.
          description: Thing is slow.
`,
    unitTest(),
  );
  const problems = await verifyRuleFolder(f.rules, f.tests);
  t.equal(problems.length, 2, problems.join('\n'));
  t.match(
    problems[0],
    /rules\/thing\.yaml: ThingSlow \(warning\) is never expected to fire: add an alert_rule_test/,
  );
  t.match(problems[1], /ThingSlow is never expected to stay silent/);
});

t.test('ruleTestGaps: firing with the rule severity, in a test that loads the rule file', async (t) => {
  const wrongSeverity = folder(RULE, unitTest('3m', 'warning'));
  t.match(ruleTestGaps(loadRules(wrongSeverity.rules), [path.join(wrongSeverity.tests, 'thing.yaml')]), [
    /ThingDown \(critical\) is never expected to fire/,
  ]);

  const otherFile = folder(RULE, unitTest('3m', 'critical', '../rules/other.yaml'));
  fs.writeFileSync(path.join(otherFile.rules, 'other.yaml'), RULE.replace('t.rules', 'other.rules'));
  const gaps = ruleTestGaps(
    loadRules(otherFile.rules).filter((f) => f.file.endsWith('thing.yaml')),
    [path.join(otherFile.tests, 'thing.yaml')],
  );
  t.equal(gaps.length, 2, 'naming the alert in a test of another file does not cover it');

  const onlySilent = folder(RULE, unitTest().replace(/ {8}exp_alerts:[\s\S]*$/, ''));
  t.match(ruleTestGaps(loadRules(onlySilent.rules), [path.join(onlySilent.tests, 'thing.yaml')]), [
    /ThingDown \(critical\) is never expected to fire/,
  ]);

  const glob = folder(RULE, unitTest('3m', 'critical', '../rules/*.yaml'));
  t.throws(
    () => ruleTestGaps(loadRules(glob.rules), [path.join(glob.tests, 'thing.yaml')]),
    /rule_files entry '\.\.\/rules\/\*\.yaml' is a glob; name each rule file/,
  );
  const notATest = folder(RULE, 'tests: 3\n');
  t.throws(
    () => ruleTestGaps(loadRules(notATest.rules), [path.join(notATest.tests, 'thing.yaml')]),
    /thing\.yaml: not a promtool unit-test file: rule_files: .*; tests: /,
  );
});

t.test('promtool: exit codes are results, a binary that cannot run is an error', async (t) => {
  const r = await promtool(['check', 'rules', '/nonexistent/rules.yaml']);
  t.equal(r.ok, false);
  t.not(r.exitCode, 0);
  t.match(r.output, /nonexistent/);
  await t.rejects(
    promtool(['--version'], { bin: '/nonexistent/promtool' }),
    /cannot run \/nonexistent\/promtool: it does not exist; install the Debian package prometheus/,
  );
});
