/**
 * JUnit XML, written by `mocha-junit-reporter` driven through `mocha`: a Mocha suite is built at
 * runtime with one testsuite per scenario and one test per SLO, named
 * `<scenario> › <measurement> <op> <threshold>` (an expected alert's `detect_`, `notify_`,
 * `resolve_` measurements among them, `== expected`), plus one test per expected alert
 * (`<scenario> › alert <name>{labels}`, failing with the rule and why) and one per unexpected
 * alert that failed the run (`<scenario> › unexpected alert <name>`).
 *
 * - pass → passing test; fail → failing test whose message is the verdict message.
 * - unknown → by default a *skipped* test (CI test tabs then show "not measured" apart from a
 *   violation; the run's verdict is still `unknown` and `--gate` decides what it means for the
 *   merge). `unknownAs: 'failure'` makes it a failing test instead.
 * - The measured value is in the message, in `<system-out>`, and as `<property>` elements of the
 *   testcase (the stock reporter only writes suite properties; our subclass adds testcase ones).
 * - A preflight failure or an abort adds one failing `<scenario> › preflight|run` test.
 * - Every run that got past preflight has a `<scenario> › fidelity` test: failing with the
 *   fidelity problems listed (src/model/fidelity.ts), passing when there are none — whether or
 *   not `--gate-fidelity` decides the exit code. The timing inputs and their origins are
 *   testsuite properties (`timing.<input>`, `timing.<input>.origin`), with `inject_latency_ms`.
 */
import { readFile } from 'node:fs/promises';
import Mocha from 'mocha';
import { labelText } from '../analysis/alerts.ts';
import type { AlertOutcome } from '../analysis/detection.ts';
import type { Measurement } from '../analysis/types.ts';
import { type DrillResult, type RunResult, runsOf } from '../model/result.ts';
import { alertTestName, alertTitle, measurementsOf } from './alert-text.ts';
import { fidelitySummary, fidelityVerdict, fmtOrigin, fmtTimingValue } from './fidelity-text.ts';
import { fmtExpected, fmtSlo, fmtValue, historyBasis, testName } from './format.ts';
import { loadJUnitReporter } from './junit-compat.ts';

const BaseJUnitReporter = loadJUnitReporter();

export interface JUnitOptions {
  readonly unknownAs?: 'skipped' | 'failure';
  /** `<testsuites name=…>`; default `ha-drill`. */
  readonly title?: string;
}

type Props = Record<string, string>;
// biome-ignore lint/suspicious/noExplicitAny: mocha-junit-reporter's xml node shapes
type XmlNode = any;

interface PinnedOptions {
  readonly mochaFile: string;
  readonly testsuitesTitle: string;
}

/**
 * mocha-junit-reporter plus per-testcase and per-testsuite properties. The stock reporter lets
 * MOCHA_FILE, JENKINS_MODE, PROPERTIES… environment variables override its options (and mutates
 * the options object it is given), so the wanted values are captured in a closure and pinned.
 */
function reporterClass(pinned: PinnedOptions) {
  return class DrillJUnitReporter extends BaseJUnitReporter {
    // biome-ignore lint/suspicious/noExplicitAny: mocha runner
    constructor(runner: any, options: any) {
      super(runner, { ...options, reporterOptions: { ...pinned, includePending: true, outputs: true } });
      Object.assign(this._options, {
        ...pinned,
        outputs: true,
        includePending: true,
        antMode: false,
        jenkinsMode: false,
        attachments: false,
        toConsole: false,
        properties: {},
        suiteTitleSeparatedBy: ' ',
        useFullSuiteTitle: false,
        testCaseSwitchClassnameAndName: false,
      });
      // biome-ignore lint/suspicious/noExplicitAny: mocha suite
      this._generateSuiteTitle = (suite: any) => suite.title;
      const begin = this._onSuiteBegin;
      const end = this._onSuiteEnd;
      // No empty "Root Suite": only the scenario suites become testsuites.
      // biome-ignore lint/suspicious/noExplicitAny: mocha suite
      this._onSuiteBegin = (suite: any) => (suite.root ? undefined : begin.call(this, suite));
      // biome-ignore lint/suspicious/noExplicitAny: mocha suite
      this._onSuiteEnd = (suite: any) => (suite.root ? undefined : end.call(this, suite));
    }

    // biome-ignore lint/suspicious/noExplicitAny: mocha suite
    getTestsuiteData(suite: any): XmlNode {
      const data = super.getTestsuiteData(suite);
      const nodes: XmlNode[] = data.testsuite.filter((n: XmlNode) => !('properties' in n));
      nodes.splice(1, 0, { properties: propertyNodes(suite.drillProperties ?? {}) });
      data.testsuite = nodes;
      return data;
    }

    // biome-ignore lint/suspicious/noExplicitAny: mocha test
    getTestcaseData(test: any, err?: unknown): XmlNode {
      const data = super.getTestcaseData(test, err);
      data.testcase[0]._attr.name = test.title;
      data.testcase[0]._attr.classname = `ha-drill.${test.parent?.title ?? 'drill'}`;
      if (test.drillProperties)
        data.testcase.splice(1, 0, { properties: propertyNodes(test.drillProperties) });
      return data;
    }
  };
}

function propertyNodes(props: Props): XmlNode[] {
  return Object.entries(props).map(([name, value]) => ({ property: { _attr: { name, value } } }));
}

function measurementProps(m: Measurement): Props {
  const p: Props = {
    measurement: m.name,
    value: m.value === null ? '' : String(m.value),
    unit: m.unit,
    verdict: m.verdict,
  };
  if (m.lowerBound) p.lower_bound = 'true';
  if (m.slo) {
    p.slo_op = m.slo.op;
    p.slo_threshold = String(m.slo.threshold);
    p.slo_source = m.slo.source;
  }
  if (m.expected) {
    p.expected_min = String(m.expected.min);
    p.expected_max = String(m.expected.max);
    // No value, no outside/inside: left out rather than written as "null".
    if (m.expected.outside !== null) p.outside_expected = String(m.expected.outside);
  }
  return p;
}

/** An alert's outcome as testcase properties: times in seconds on the run. */
function alertProps(a: AlertOutcome): Props {
  const s = (ms: number | undefined) => (ms === undefined ? '' : String(ms / 1000));
  return {
    alert: a.alert,
    labels: labelText(a.labels),
    role: a.role,
    severity: a.severity ?? '',
    verdict: a.verdict,
    pending_at_s: s(a.pendingMs),
    firing_at_s: s(a.firingMs),
    notified_at_s: s(a.notifiedMs),
    resolved_at_s: s(a.resolvedMs),
    firing_episodes: String(a.episodes),
  };
}

function failure(message: string): Error {
  const err = new Error(message);
  err.name = 'SloViolation';
  err.stack = message;
  return err;
}

type DrillTest = Mocha.Test & { drillProperties?: Props; consoleOutputs?: string[] };

function addTest(
  suite: Mocha.Suite,
  title: string,
  outcome: 'pass' | 'fail' | 'skip',
  message: string,
  out: string[],
  props?: Props,
) {
  const fn =
    outcome === 'skip'
      ? undefined
      : outcome === 'fail'
        ? () => {
            throw failure(message);
          }
        : () => {};
  const test = new Mocha.Test(title, fn) as DrillTest;
  test.consoleOutputs = out;
  if (props) test.drillProperties = props;
  suite.addTest(test);
}

function buildSuite(root: Mocha.Suite, run: RunResult, opts: JUnitOptions): void {
  const scenario = run.meta.scenario;
  const suite = Mocha.Suite.create(root, scenario) as Mocha.Suite & { drillProperties?: Props };
  suite.drillProperties = {
    scenario,
    target: run.meta.target,
    ...(run.meta.preset ? { preset: run.meta.preset } : {}),
    verdict: run.verdict,
    verdict_message: run.verdictMessage,
    fault: run.fault.status === 'none' ? 'none' : `${run.fault.fault} (${run.fault.status})`,
    started_at: run.meta.startedAt,
    harness_version: run.meta.harnessVersion,
    ...(run.meta.config ? { config_fingerprint: run.meta.config.fingerprint } : {}),
    ...historyProps(run),
    ...fidelityProps(run),
  };
  if (run.preflight?.ok === false) {
    addTest(suite, `${scenario} › preflight`, 'fail', `preflight failed: ${run.preflight.message}`, []);
  }
  if (run.aborted) {
    addTest(suite, `${scenario} › run`, 'fail', `aborted by ${run.aborted.signal}`, []);
  }
  for (const m of run.measurements) {
    if (!m.slo) continue;
    const out = [
      `measured: ${fmtValue(m)}`,
      `slo: ${fmtSlo(m.slo)} (${m.slo.source})`,
      `expected: ${fmtExpected(m)}${m.expected ? ` ${m.expected.formula}` : ''}`,
      `verdict: ${m.verdict}: ${m.message}`,
      `detail: ${m.detail}`,
    ];
    const message = `${m.name}: ${m.message}`;
    const outcome =
      m.verdict === 'pass' ? 'pass' : m.verdict === 'fail' || opts.unknownAs === 'failure' ? 'fail' : 'skip';
    addTest(suite, testName(scenario, m), outcome, message, out, measurementProps(m));
  }
  for (const a of run.alerts ?? []) {
    // Every expected alert is a test case; another alert only when it failed the run.
    if (a.role !== 'expected' && a.verdict !== 'fail') continue;
    const outcome =
      a.verdict === 'pass' ? 'pass' : a.verdict === 'fail' || opts.unknownAs === 'failure' ? 'fail' : 'skip';
    const measured = measurementsOf(run, a);
    const out = [
      `verdict: ${a.verdict}: ${a.message}`,
      ...measured.map((m) => `${m.name}: ${fmtValue(m)}, expected ${fmtExpected(m)}: ${m.message}`),
    ];
    addTest(suite, alertTestName(scenario, a), outcome, `${alertTitle(a)}: ${a.message}`, out, {
      ...alertProps(a),
      ...Object.fromEntries(measured.map((m) => [m.name, m.value === null ? '' : String(m.value)])),
    });
  }
  if (run.preflight?.ok !== false) {
    const f = run.fidelity;
    const out = [fidelitySummary(f), ...f.problems.map((p) => `problem: ${p.message}`)];
    addTest(suite, `${scenario} › fidelity`, f.problems.length ? 'fail' : 'pass', fidelityVerdict(f), out, {
      fidelity_problems: String(f.problems.length),
      ...Object.fromEntries(f.problems.map((p, i) => [`problem.${i + 1}`, `${p.kind}: ${p.message}`])),
    });
  }
  // Mocha skips empty suites; keep the scenario visible.
  if (suite.tests.length === 0)
    addTest(suite, `${scenario} › no SLO`, 'skip', 'no SLO measured', [run.verdictMessage]);
}

function historyProps(run: RunResult): Props {
  const h = run.history;
  if (h?.kind === 'unmatched') return { history: h.message };
  if (h?.kind === 'compared') {
    return {
      history: historyBasis(h),
      history_previous_started_at: h.previous.startedAt,
      history_previous_dir: h.previous.dir,
    };
  }
  return {};
}

function fidelityProps(run: RunResult): Props {
  const f = run.fidelity;
  const p: Props = { timings_from: fidelitySummary(f) };
  for (const r of f.timings) {
    p[`timing.${r.input}`] = fmtTimingValue(r);
    if (r.value !== null) p[`timing.${r.input}.origin`] = fmtOrigin(r.origin);
  }
  if (f.injectLatency) p.inject_latency_ms = String(f.injectLatency.ms);
  return p;
}

/** Write `file` with one testsuite per scenario run; resolves to the XML text. */
export async function writeJUnit(
  result: DrillResult,
  file: string,
  opts: JUnitOptions = {},
): Promise<string> {
  const title =
    opts.title ??
    (result.kind === 'suite' ? `ha-drill ${result.meta.name}` : `ha-drill ${result.meta.scenario}`);
  const mocha = new Mocha({
    reporter: reporterClass({ mochaFile: file, testsuitesTitle: title }) as unknown as string,
    timeout: 0,
    color: false,
  });
  for (const run of runsOf(result)) buildSuite(mocha.suite, run, opts);
  return new Promise((resolve, reject) => {
    try {
      mocha.run(() => {
        readFile(file, 'utf8').then(resolve, reject);
      });
    } catch (err) {
      reject(err);
    }
  });
}
