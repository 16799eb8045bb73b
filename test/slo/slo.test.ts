import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { loadDrillConfig, parseDrillConfig } from '../../src/slo/config.ts';
import { sloDefaults } from '../../src/slo/defaults.ts';
import { parseSloFlag, parseSloFlags } from '../../src/slo/parse.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import { SloInputError } from '../../src/slo/types.ts';
import { testTmp } from '../helpers/temp.ts';

/** A scenario module of the catalogue, by name. */
const scenario = (name: string) => {
  const s = SCENARIO_CATALOGUE.get(name);
  if (!s) throw new Error(`no scenario ${name} in the catalogue`);
  return s;
};
const defaultSlos = (name: string) => scenario(name).defaultSlos;
/** The names the CLI passes to the config parser: the catalogue's. */
const NAMES = [...SCENARIO_CATALOGUE.keys()];

t.test('defaults exist for every scenario and match the spec', (t) => {
  for (const s of SCENARIO_CATALOGUE.values()) t.ok(Object.keys(s.defaultSlos).length > 0, s.name);
  t.same(defaultSlos('apiserver-kill').lb_failover_s, { op: '<', threshold: 30, source: 'default' });
  t.same(defaultSlos('apiserver-kill').rpo_lost_writes, { op: '<=', threshold: 0, source: 'default' });
  t.same(defaultSlos('kubelet-stop').pod_eviction_s, { op: '<', threshold: 360, source: 'default' });
  t.same(defaultSlos('kubelet-stop').node_notready_s, { op: '<=', threshold: 'expected', source: 'default' });
  t.same(defaultSlos('etcd-restore').rpo_lost_writes, { op: '==', threshold: 'expected', source: 'default' });
  t.ok(defaultSlos('lb-stop').vip_takeover_s);
  t.ok(defaultSlos('leader-kill').lease_reelection_s);
  t.end();
});

t.test('sloDefaults: rows to a default SLO set; one row per measurement', (t) => {
  t.same(sloDefaults([['rto_s', '<', 5]]), { rto_s: { op: '<', threshold: 5, source: 'default' } });
  t.throws(
    () =>
      sloDefaults([
        ['rto_s', '<', 5],
        ['rto_s', '<=', 9],
      ]),
    { message: /default SLO rto_s is listed twice/ },
  );
  t.end();
});

t.test('--slo flags', (t) => {
  t.same(parseSloFlag('lb_failover_s=20'), { name: 'lb_failover_s', threshold: 20 });
  t.same(parseSloFlag('lb_failover_s<=20'), { name: 'lb_failover_s', op: '<=', threshold: 20 });
  t.same(parseSloFlag(' rto_s < 12.5 '), { name: 'rto_s', op: '<', threshold: 12.5 });
  t.same(parseSloFlag('node_notready_s<=expected'), {
    name: 'node_notready_s',
    op: '<=',
    threshold: 'expected',
  });
  t.same(parseSloFlags(['rpo_lost_writes==0']), [{ name: 'rpo_lost_writes', op: '==', threshold: 0 }]);
  t.throws(() => parseSloFlag('lb_failover_s'), {
    name: 'SloInputError',
    message: /expected name=value.*e\.g\. --slo lb_failover_s<=20/,
  });
  t.throws(() => parseSloFlag('lb_failvoer_s=3'), {
    message: /unknown measurement "lb_failvoer_s" \(did you mean lb_failover_s\?\); known: /,
  });
  t.throws(() => parseSloFlag('zzzzzzzzzzzz=3'), {
    message: /unknown measurement "zzzzzzzzzzzz"; known: lb_failover_s/,
  });
  t.throws(() => parseSloFlag('rto_s=fast'), {
    message: /--slo "rto_s=fast": value: threshold must be a non-negative number.*got "fast"/,
  });
  t.throws(() => parseSloFlag('rto_s<='), { message: /threshold must be/ });
  t.throws(() => parseSloFlag('rto_s=-1'), { message: /non-negative/ });
  const err = (() => {
    try {
      parseSloFlag('x');
    } catch (e) {
      return e;
    }
  })();
  t.ok(err instanceof SloInputError);
  t.equal((err as SloInputError).exitCode, 2);
  t.end();
});

const CONFIG = `
allowedContexts: [kind-drill, lab]
sustainedSuccessS: 5
slo:
  api_outage_s: "< 20"
  rto_s: 25
scenarios:
  apiserver-kill:
    slo:
      lb_failover_s: { op: "<=", threshold: 15 }
      rto_s: "== expected"
`;

t.test('drill config: parse, precedence default < config < scenario < cli', (t) => {
  const c = parseDrillConfig(CONFIG, NAMES, 'drill.yaml');
  t.same(
    c.allowedContexts,
    [{ context: 'kind-drill' }, { context: 'lab' }],
    'a bare name: the context alone',
  );
  t.equal(c.sustainedSuccessS, 5);
  const slos = resolveSlos({
    scenario: scenario('apiserver-kill'),
    config: c,
    cli: [parseSloFlag('endpoint_removal_s=10')],
  });
  t.same(slos.api_outage_s, { op: '<', threshold: 20, source: 'config' });
  t.same(slos.lb_failover_s, { op: '<=', threshold: 15, source: 'config' });
  t.same(
    slos.rto_s,
    { op: '==', threshold: 'expected', source: 'config' },
    'scenario section wins over global',
  );
  t.same(slos.endpoint_removal_s, { op: '<', threshold: 10, source: 'cli' }, 'name=value keeps the operator');
  t.same(slos.rpo_lost_writes, { op: '<=', threshold: 0, source: 'default' });
  const other = resolveSlos({
    scenario: scenario('leader-kill'),
    config: c,
    cli: [parseSloFlag('vip_takeover_s=9')],
  });
  t.same(
    other.vip_takeover_s,
    { op: '<=', threshold: 9, source: 'cli' },
    'new SLO without op defaults to <=',
  );
  t.same(
    other.api_outage_s,
    { op: '<', threshold: 20, source: 'config' },
    'global config SLOs apply to every scenario',
  );
  t.same(parseDrillConfig('', NAMES, 'empty.yaml'), { slo: [], promql: [], scenarios: {} });
  t.end();
});

t.test('drill config errors name the file and key', (t) => {
  t.throws(() => parseDrillConfig('slo: [1', NAMES, 'a.yaml'), { message: /a\.yaml: not valid YAML/ });
  t.throws(() => parseDrillConfig('sustainedSuccessS: -1', NAMES, 'b.yaml'), {
    message: /b\.yaml: invalid drill config:\n {2}sustainedSuccessS: /,
  });
  t.throws(() => parseDrillConfig('bogus: 1', NAMES, 'c.yaml'), {
    message: /c\.yaml: invalid drill config:[\s\S]*bogus/,
  });
  t.throws(() => parseDrillConfig('scenarios:\n  apiserver-kil: {}', NAMES, 'd.yaml'), {
    message: /d\.yaml: scenarios\.apiserver-kil: unknown scenario; known: apiserver-kill/,
  });
  t.throws(() => parseDrillConfig('scenarios:\n  my-drill: {}', ['apiserver-kill'], 'd2.yaml'), {
    message: /d2\.yaml: scenarios\.my-drill: unknown scenario; known: apiserver-kill$/,
  });
  t.same(
    parseDrillConfig('scenarios:\n  my-drill: {}', ['my-drill'], 'd3.yaml').scenarios['my-drill'],
    { slo: [] },
    'scenario names come from the list the caller passes (the catalogue)',
  );
  t.throws(() => parseDrillConfig('slo:\n  rto_s: "<< 3"', NAMES, 'e.yaml'), {
    message: /e\.yaml: slo\.rto_s: threshold must be/,
  });
  t.throws(() => parseDrillConfig('slo:\n  rto_s: { op: "~", threshold: 3 }', NAMES, 'f.yaml'), {
    message: /f\.yaml: slo\.rto_s\.op: "~" is not one of/,
  });
  t.throws(() => parseDrillConfig('scenarios:\n  lb-stop:\n    slo: { nope_s: 1 }', NAMES, 'g.yaml'), {
    message: /g\.yaml: scenarios\.lb-stop\.slo\.nope_s: unknown measurement/,
  });
  t.throws(() => parseDrillConfig('slo:\n  rto_s: true', NAMES, 'h.yaml'), {
    message: /expected a number, a string like/,
  });
  t.end();
});

t.test('allowedContexts entries and loading from disk', async (t) => {
  const c = parseDrillConfig(
    'allowedContexts:\n  - kind-drill\n  - { context: admin@k, server: "https://10.0.0.10:6443", hosts: [10.0.0.11] }\n',
    NAMES,
  );
  t.same(c.allowedContexts, [
    { context: 'kind-drill' },
    { context: 'admin@k', server: 'https://10.0.0.10:6443', hosts: ['10.0.0.11'] },
  ]);
  for (const [bad, says] of [
    ['allowedContexts: [{ context: a, server: not-a-url }]', /allowedContexts\.0\.server: Invalid URL/],
    ['allowedContexts: [{ context: a, hosts: [] }]', /allowedContexts\.0\.hosts: /],
    ['allowedContexts: [{ server: "https://h" }]', /allowedContexts\.0\.context: /],
    ['allowedContexts: [{ context: a, cluster: b }]', /allowedContexts\.0: Unrecognized key: "cluster"/],
  ] as const)
    t.throws(() => parseDrillConfig(bad, NAMES, 'd.yaml'), { message: says }, bad);
  const dir = testTmp('slo-');
  const file = path.join(dir, 'drill.yaml');
  await writeFile(file, CONFIG);
  t.same((await loadDrillConfig(file, NAMES)).allowedContexts, [
    { context: 'kind-drill' },
    { context: 'lab' },
  ]);
  await t.rejects(loadDrillConfig(path.join(dir, 'missing.yaml'), NAMES), {
    message: /--config .*missing\.yaml: cannot read the file \(ENOENT\)/,
  });
});

t.test('drill config: expected alerts and PromQL SLOs', async (t) => {
  const c = parseDrillConfig(
    [
      'scenarios:',
      '  apiserver-kill:',
      '    alerts:',
      '      expected: [APIServerDown, { alert: TargetDown, labels: { job: apiserver } }]',
      '      allowed: [KubeAPIErrorBudgetBurn]',
      'promql:',
      '  - name: api_p99_s',
      '    expr: histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket[1m])))',
      '    slo: "< 1"',
      '    scenarios: [apiserver-kill]',
      '  - { name: has_leader, expr: min(etcd_server_has_leader), slo: ">= 1" }',
      '',
    ].join('\n'),
    NAMES,
    'd.yaml',
  );
  t.same(c.scenarios['apiserver-kill']?.alerts, {
    expected: [{ alert: 'APIServerDown' }, { alert: 'TargetDown', labels: { job: 'apiserver' } }],
    allowed: ['KubeAPIErrorBudgetBurn'],
  });
  t.match(c.promql, [
    { name: 'api_p99_s', op: '<', threshold: 1, scenarios: ['apiserver-kill'] },
    { name: 'has_leader', op: '>=', threshold: 1 },
  ]);
  const bad = (yaml: string, message: RegExp) =>
    t.throws(() => parseDrillConfig(yaml, NAMES, 'd.yaml'), { message }, message.source);
  bad('promql: [{ name: Bad, expr: up, slo: "< 1" }]', /promql\.0\.name: lowercase letters/);
  bad('promql: [{ name: a, expr: up, slo: "1" }]', /promql\.0\.slo: an operator and a number/);
  bad(
    'promql: [{ name: a, expr: up, slo: "<1" }, { name: a, expr: up, slo: "<1" }]',
    /promql\[1\]\.name: 'a' is used twice/,
  );
  bad(
    'promql: [{ name: a, expr: up, slo: "<1", scenarios: [nope] }]',
    /promql\[0\]\.scenarios: unknown scenario 'nope'/,
  );
  bad('scenarios: { lb-stop: { alerts: { allowed: [X] } } }', /scenarios\.lb-stop\.alerts\.expected/);
});
