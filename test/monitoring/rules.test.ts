/**
 * src/monitoring/rules.ts: loading and validating rule folders (errors name the file, the group
 * and the rule), the AlertRuleInfo view, and the rendered file for the lab's Prometheus with
 * `for`/`keep_firing_for` capped, which the real promtool must accept.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import { checkRules } from '../../src/monitoring/promtool.ts';
import {
  alertRules,
  criticalRules,
  loadRules,
  parseRuleFile,
  RULES_DIR,
  type RuleFile,
  renderRules,
} from '../../src/monitoring/rules.ts';
import { UserError } from '../../src/util/errors.ts';
import { testTmp } from '../helpers/temp.ts';

/** One alerting rule as YAML lines (6 spaces in), with `extra` keys. */
const rule = (name: string, extra = '', severity = 'critical') => `      - alert: ${name}
        expr: up == 0
${extra}        labels:
          severity: ${severity}
        annotations:
          summary: ${name}.
          description: ${name} happened.
`;
const file = (group: string, rules: string, groupExtra = '') =>
  `groups:\n  - name: ${group}\n${groupExtra}    rules:\n${rules}`;

const FILE = file(
  'a.rules',
  rule('Slow', '        for: 1h30m\n        keep_firing_for: 10m\n', 'warning') +
    rule('Fast', '        for: 1s\n') +
    rule('Instant'),
  '    interval: 30s\n',
);

t.test('loadRules reads the project folder', async (t) => {
  const files = loadRules();
  t.ok(files.length >= 5, 'one file per concern');
  t.ok(
    files.every((f) => path.dirname(f.file) === RULES_DIR),
    'files are absolute, in alerts/rules',
  );
  const names = alertRules(files).map((r) => r.name);
  for (const n of ['APIServerDown', 'EtcdClusterUnavailable', 'etcdNoLeader', 'KubeletDown', 'HAProxyDown'])
    t.ok(names.includes(n), n);
});

t.test('alertRules: for, keep_firing_for, severity and evaluation interval', async (t) => {
  const f = parseRuleFile(
    `${FILE}  - name: b.rules\n    rules:\n${rule('Weekly', '        for: 1w\n')}`,
    '/x/a.yaml',
  );
  t.same(alertRules([f]), [
    {
      name: 'Slow',
      expr: 'up == 0',
      forS: 5400,
      keepFiringForS: 600,
      severity: 'warning',
      evaluationIntervalS: 30,
      group: 'a.rules',
    },
    {
      name: 'Fast',
      expr: 'up == 0',
      forS: 1,
      keepFiringForS: 0,
      severity: 'critical',
      evaluationIntervalS: 30,
      group: 'a.rules',
    },
    {
      name: 'Instant',
      expr: 'up == 0',
      forS: 0,
      keepFiringForS: 0,
      severity: 'critical',
      evaluationIntervalS: 30,
      group: 'a.rules',
    },
    {
      name: 'Weekly',
      expr: 'up == 0',
      forS: 7 * 86400,
      keepFiringForS: 0,
      severity: 'critical',
      evaluationIntervalS: 60,
      group: 'b.rules',
    },
  ]);
  t.equal(alertRules([f], { evaluationIntervalS: 15 })[3]?.evaluationIntervalS, 15, 'the global interval');
  t.same(
    criticalRules(alertRules([f])).map((r) => r.name),
    ['Fast', 'Instant', 'Weekly'],
  );
  t.equal(
    alertRules([parseRuleFile(file('z', rule('Zero', '        for: 0\n')), '/x/z.yaml')])[0]?.forS,
    0,
    'YAML 0',
  );
});

t.test('a bad rule file is a UserError naming the file, the group and the rule', async (t) => {
  const at = '/work/h2/alerts/rules/bad.yaml';
  const cases: [string, RegExp][] = [
    [
      file('g', rule('X', '        for: 1.5m\n')),
      /bad\.yaml is not valid:\n {2}group 'g', rule #1 \(X\): for: invalid duration '1\.5m'; write a Prometheus duration/,
    ],
    [file('g', rule('X', '', 'info')), /group 'g', rule #1 \(X\): labels\.severity: set critical or warning/],
    [
      file('g', rule('X').replace(/ {8}annotations:[\s\S]*/, '')),
      /rule #1 \(X\): annotations: set annotations, with summary and description/,
    ],
    [
      file('g', rule('X').replace('summary: X.', 'runbook: r')),
      /rule #1 \(X\): annotations\.summary: say in one line what is wrong/,
    ],
    [
      file('g', rule('X').replace('severity: critical', 'severity: critical\n          bad-name: x')),
      /labels\.bad-name: not a label name/,
    ],
    [
      file('g', rule('X', '        fro: 5m\n')),
      /rule #1 \(X\): unknown key fro; the keys are alert, expr, for, keep_firing_for, labels, annotations/,
    ],
    [
      file('g', rule('X') + rule('Y').replace('expr: up == 0', 'expr: ""')),
      /rule #2 \(Y\): expr: write the PromQL expression/,
    ],
    [
      file('g', '      - record: job:up:sum\n        expr: sum(up)\n'),
      /group 'g', rule #1: recording rules do not belong here/,
    ],
    [
      `${file('g', rule('X'))}  - name: g\n    rules:\n${rule('Y')}`,
      /group 'g': the name is used twice in the file/,
    ],
    [
      file('g', '      []\n').replace('rules:\n      []', 'rules: []'),
      /group 'g': rules: a group needs at least one rule/,
    ],
    ['groups:\n  - rules: []\n', /group #1: name: name the group/],
    [
      'rules: []\n',
      /bad\.yaml: not a Prometheus rule file \(a top-level 'groups:' list\): groups: list the rule groups; unknown key rules/,
    ],
    ['groups: [\n', /bad\.yaml: not valid YAML: /],
  ];
  for (const [text, message] of cases) {
    t.throws(() => parseRuleFile(text, at), message, String(message));
    t.throws(() => parseRuleFile(text, at), UserError);
  }
  t.doesNotThrow(() => parseRuleFile(file('g', rule('X', '        for: 5m\n')), at), 'the same rule, good');
});

t.test('loadRules: empty or missing folders, group names shared by two files', async (t) => {
  const dir = testTmp('rules-');
  t.throws(() => loadRules(dir), /alert rules: no \.yaml rule file in /);
  t.throws(() => loadRules(path.join(dir, 'nope')), /alert rules: cannot read .*nope/);
  fs.writeFileSync(path.join(dir, 'a.yaml'), file('shared', rule('A')));
  fs.writeFileSync(path.join(dir, 'b.yml'), file('shared', rule('B')));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a rule file');
  t.throws(() => loadRules(dir), /rule group 'shared' is in .*a\.yaml and in .*b\.yml: rename one/);
  fs.writeFileSync(path.join(dir, 'b.yml'), file('other', rule('B')));
  t.same(
    loadRules(dir).map((f) => path.basename(f.file)),
    ['a.yaml', 'b.yml'],
  );
});

t.test('renderRules: one file, every for and keep_firing_for capped, the rest as written', async (t) => {
  const f = parseRuleFile(FILE, '/x/a.yaml');
  const g = parseRuleFile(file('b.rules', rule('Other', '        for: 20m\n')), '/x/b.yaml');
  const out = renderRules([f, g], { maxForS: 2.5 });
  t.match(
    out,
    /^# Generated by ha-drill .*\n# {3}\/x\/a\.yaml\n# {3}\/x\/b\.yaml\n# Every `for` and `keep_firing_for` longer than 2s500ms is cut to 2s500ms\.\n/,
  );
  const back = parseRuleFile(out, '/x/rendered.yaml');
  t.same(
    alertRules([back]).map((r) => [r.name, r.forS, r.keepFiringForS, r.evaluationIntervalS]),
    [
      ['Slow', 2.5, 2.5, 30],
      ['Fast', 1, 0, 30],
      ['Instant', 0, 0, 30],
      ['Other', 2.5, 0, 60],
    ],
  );
  const raw = YAML.parse(out) as { groups: { rules: Record<string, unknown>[] }[] };
  t.equal(raw.groups[0]?.rules[1]?.for, '1s', 'a shorter for is kept as written');
  t.notOk('for' in (raw.groups[0]?.rules[2] ?? {}), 'no for stays no for');
  t.same(
    back.groups.map((x) => x.name),
    ['a.rules', 'b.rules'],
  );

  const uncapped = parseRuleFile(renderRules([f, g]), '/x/rendered.yaml');
  t.same(alertRules([uncapped]), alertRules([f, g]), 'without maxForS: every rule as written');
  t.throws(() => renderRules([f], { maxForS: -1 }), /maxForS must be a number of seconds >= 0, not -1/);
  t.throws(() => renderRules([f], { maxForS: Number.NaN }), RangeError);
  t.throws(
    () => renderRules([f, f]),
    /rule group 'a\.rules' is in \/x\/a\.yaml and in \/x\/a\.yaml: rename one/,
  );
});

t.test('the project rules rendered with the fast cap pass promtool check rules', async (t) => {
  const files: RuleFile[] = loadRules();
  const out = renderRules(files, { maxForS: 3 });
  const target = path.join(testTmp('render-'), 'ha-drill.rules.yaml');
  fs.writeFileSync(target, out);
  const r = await checkRules([target]);
  t.ok(r.ok, r.output);
  const n = alertRules(files).length;
  t.match(r.output, new RegExp(`SUCCESS: ${n} rules found`));
  const rendered = alertRules([parseRuleFile(out, target)]);
  t.ok(
    rendered.every((x) => x.forS <= 3),
    'every for at most 3s',
  );
  t.same(
    rendered.map((x) => [x.name, x.severity, x.expr, x.group]),
    alertRules(files).map((x) => [x.name, x.severity, x.expr, x.group]),
    'names, severities, expressions and groups unchanged',
  );
});
