/**
 * A scenario is one module: the analysis and the SLO code never name a scenario, and a new
 * scenario module with its own SLO defaults, informational measurements and expected-window rule
 * works through config validation, resolve and analyze without any other file knowing it.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { analyze, measurementNames } from '../../src/analysis/analyze.ts';
import type { WindowRule } from '../../src/analysis/types.ts';
import { measuredBy, type Scenario, scenarioAnalysis } from '../../src/runner/scenario.ts';
import { parseDrillConfig } from '../../src/slo/config.ts';
import { sloDefaults } from '../../src/slo/defaults.ts';
import { parseSloFlag } from '../../src/slo/parse.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { Timeline } from './synthetic.ts';

/** Folders that must stay free of scenario names (they sit below scenarios/). */
const NAME_FREE = ['src/analysis', 'src/slo'];

/** The code of a TypeScript file without its comments (a comment may mention a scenario). */
function codeOf(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
}

/** Scenario names used as string literals in a file's code. */
function scenarioLiterals(text: string, names: readonly string[]): string[] {
  const code = codeOf(text);
  return names.filter((n) => new RegExp(`['"\`]${n.replace(/[-]/g, '\\-')}['"\`]`).test(code));
}

const NAMES = [...SCENARIO_CATALOGUE.keys()];

t.test('the detector finds a branch on a name and ignores prose', (t) => {
  t.same(scenarioLiterals("if (ctx.scenario === 'lb-stop') return vrrp;", NAMES), ['lb-stop']);
  t.same(scenarioLiterals('const x = { "etcd-restore": [] };', NAMES), ['etcd-restore']);
  t.same(scenarioLiterals("/** For lb-stop the failover is VRRP's. */\n// etcd-restore: none", NAMES), []);
  t.same(scenarioLiterals("const url = 'https://x/lb-stop-docs'; // 'lb-stop'", NAMES), []);
  t.end();
});

t.test(`no file in ${NAME_FREE.join(', ')} names a scenario of the catalogue`, (t) => {
  t.ok(NAMES.length >= 6, `the catalogue lists the scenarios (${NAMES.join(', ')})`);
  for (const dir of NAME_FREE) {
    const files = fs.readdirSync(path.join(PROJECT_ROOT, dir)).filter((f) => f.endsWith('.ts'));
    t.ok(files.length > 0, `${dir} has files`);
    for (const f of files) {
      const found = scenarioLiterals(fs.readFileSync(path.join(PROJECT_ROOT, dir, f), 'utf8'), NAMES);
      t.same(found, [], `${dir}/${f}: no scenario-name literal (pass data through the context instead)`);
    }
  }
  t.end();
});

/** A scenario no other file knows: its defaults, informational measurement and window rule. */
const rtoRule: WindowRule = (h) =>
  h.advertIntS === undefined
    ? undefined
    : { min: 0, max: 4 * h.advertIntS, formula: `≤ 4 × advert ${h.advertIntS}` };
const synthetic: Scenario = {
  name: 'synthetic-blip',
  description: 'a scenario module written for this test only',
  defaultSlos: sloDefaults([
    ['rto_s', '<=', 'expected'],
    ['api_outage_s', '<', 2],
  ]),
  informational: ['lb_failover_s'],
  windows: { rto_s: rtoRule },
  fault: async () => {
    throw new Error('not used: the analysis needs only the timeline');
  },
  probes: () => [],
  recovered: () => true,
  observeMs: () => 1000,
};

t.test('a new scenario module works through config, resolve and analyze on its own', (t) => {
  const known = [...NAMES, synthetic.name];
  const config = parseDrillConfig(
    'slo:\n  rpo_lost_writes: 0\nscenarios:\n  synthetic-blip:\n    slo: { api_outage_s: "< 3" }\n',
    known,
    'drill.yaml',
  );
  t.throws(
    () => parseDrillConfig('scenarios:\n  synthetic-blip: {}\n', NAMES, 'drill.yaml'),
    { message: /scenarios\.synthetic-blip: unknown scenario/ },
    'only names the caller (the catalogue) passes are accepted',
  );
  const slos = resolveSlos({ scenario: synthetic, config, cli: [parseSloFlag('rto_s<=expected')] });
  t.same(slos, {
    rto_s: { op: '<=', threshold: 'expected', source: 'cli' },
    api_outage_s: { op: '<', threshold: 3, source: 'config' },
    rpo_lost_writes: { op: '<=', threshold: 0, source: 'config' },
  });
  t.same([...measuredBy(synthetic)].sort(), ['api_outage_s', 'lb_failover_s', 'rto_s']);

  // LB fails 10.5–12 s after a fault at 10 s; no write lost.
  const tl = new Timeline()
    .lb(0, 20_000, (x) => !(x >= 10_500 && x < 12_000))
    .fault(10_000)
    .add(19_000, { type: 'readback', present: [1], missing: [] })
    .add(5_000, { type: 'write.ack', seq: 1, object: 'o1' });
  const ctx = { ...scenarioAnalysis(synthetic, slos), timings: { advertIntS: 1 } };
  t.same(measurementNames(ctx), ['lb_failover_s', 'api_outage_s', 'rto_s', 'rpo_lost_writes']);
  const m = Object.fromEntries(analyze(tl.events, ctx).map((x) => [x.name, x]));
  t.match(m.rto_s, {
    value: 2,
    verdict: 'pass',
    expected: { min: 0, max: 4, formula: '≤ 4 × advert 1', outside: false },
  });
  t.match(m.api_outage_s, { value: 1.5, verdict: 'pass', slo: { source: 'config' } });
  t.match(m.lb_failover_s, { value: 1.5, slo: null, message: /informational/ });
  t.match(m.rpo_lost_writes, {
    value: 0,
    verdict: 'pass',
    expected: { formula: /HA: no acknowledged write/ },
  });

  const slow = analyze(tl.events, { ...ctx, timings: { advertIntS: 0.25 } }).find((x) => x.name === 'rto_s');
  t.match(slow, { verdict: 'fail', expected: { max: 1, outside: true } }, "the module's rule decides");
  t.end();
});
