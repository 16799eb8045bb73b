/**
 * Prometheus' promtool (Debian package `prometheus`, /usr/bin/promtool): `check rules` (a rule
 * file loads in Prometheus: YAML, PromQL, templates) and `test rules` (promtool unit tests:
 * input series, evaluation times, expected alerts), their output kept as promtool printed it;
 * and the coverage of those unit tests over a rule folder (ruleTestGaps): every alerting rule
 * must be seen firing, with its own severity, in a test that loads its file, and seen silent.
 * verifyRuleFolder does all three for a rule folder and its tests (the project's: alerts/).
 * The unit-test file format: prometheus cmd/promtool/unittest.go (v2.42.0).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { UserError } from '../util/errors.ts';
import { findBinary, PROJECT_ROOT } from '../util/paths.ts';
import { loadRules, RULES_DIR, type RuleFile, shown } from './rules.ts';

/** The project's promtool unit tests of alerts/rules. */
export const RULE_TESTS_DIR = path.join(PROJECT_ROOT, 'alerts', 'tests');

/** What promtool said: its exit code and its stdout then stderr, unchanged. */
export interface PromtoolResult {
  readonly ok: boolean;
  readonly exitCode: number;
  readonly output: string;
  /** The command line, for messages. */
  readonly command: string;
}

export interface PromtoolOptions {
  /** The promtool binary (default: promtool on PATH or in the system directories). */
  readonly bin?: string;
  readonly cwd?: string;
  /** Default 60 s: `test rules` over long series takes a few seconds. */
  readonly timeoutMs?: number;
}

/** The promtool binary, or a UserError saying what to install. */
export function promtoolBin(): string {
  const bin = findBinary('promtool');
  if (!bin)
    throw new UserError(
      'promtool not found: install the Debian package prometheus (apt-get install prometheus)',
    );
  return bin;
}

/** Runs promtool with `args`; resolves with its result whatever its exit code. */
export function promtool(args: readonly string[], opts: PromtoolOptions = {}): Promise<PromtoolResult> {
  const bin = opts.bin ?? promtoolBin();
  const command = [bin, ...args].join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      [...args],
      { cwd: opts.cwd ?? PROJECT_ROOT, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (!err) return resolve({ ok: true, exitCode: 0, output, command });
        if (typeof err.code === 'number') return resolve({ ok: false, exitCode: err.code, output, command });
        if (err.code === 'ENOENT')
          return reject(
            new UserError(`cannot run ${bin}: it does not exist; install the Debian package prometheus`),
          );
        reject(new Error(`${command}: ${err.killed ? 'timed out' : err.message}\n${output}`));
      },
    );
  });
}

/** `promtool check rules <files>`. */
export const checkRules = (files: readonly string[], opts?: PromtoolOptions): Promise<PromtoolResult> =>
  promtool(['check', 'rules', ...files], opts);

/** `promtool test rules <files>` (unit-test files). */
export const testRules = (files: readonly string[], opts?: PromtoolOptions): Promise<PromtoolResult> =>
  promtool(['test', 'rules', ...files], opts);

/** The part of a promtool unit-test file the coverage needs (unittest.go unitTestFile). */
const testFileSchema = z.looseObject({
  rule_files: z.array(z.string()).min(1, 'list the rule files the tests load'),
  tests: z.array(
    z.looseObject({
      alert_rule_test: z
        .array(
          z.looseObject({
            alertname: z.string().min(1),
            exp_alerts: z
              .array(z.looseObject({ exp_labels: z.record(z.string(), z.unknown()).optional() }))
              .nullish(),
          }),
        )
        .nullish(),
    }),
  ),
});

/** What one unit-test file checks: per rule file it loads, alert names seen firing (by severity) and silent. */
interface Checked {
  readonly firing: Set<string>;
  readonly silent: Set<string>;
}

const key = (alert: string, severity?: unknown) => `${alert}\u0000${String(severity ?? '')}`;

function readTestFile(file: string, into: Map<string, Checked>): void {
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${shown(file)}: not a readable YAML file: ${(err as Error).message}`);
  }
  const parsed = testFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new UserError(
      `${shown(file)}: not a promtool unit-test file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const ruleFiles = parsed.data.rule_files.map((rf) => {
    if (/[*?[]/.test(rf))
      throw new UserError(
        `${shown(file)}: rule_files entry '${rf}' is a glob; name each rule file for the coverage check`,
      );
    return path.resolve(path.dirname(file), rf);
  });
  for (const rf of ruleFiles) {
    const c = into.get(rf) ?? { firing: new Set(), silent: new Set() };
    into.set(rf, c);
    for (const test of parsed.data.tests) {
      for (const a of test.alert_rule_test ?? []) {
        if (!a.exp_alerts?.length) c.silent.add(a.alertname);
        for (const e of a.exp_alerts ?? []) c.firing.add(key(a.alertname, e.exp_labels?.severity));
      }
    }
  }
}

/**
 * What the unit tests `testFiles` leave unchecked in `rules`, as sentences (empty: nothing).
 * An alerting rule is covered when a test file that loads its rule file expects it firing with
 * its severity (an alert_rule_test naming it whose exp_alerts carry that severity), and expects
 * it silent somewhere (an alert_rule_test naming it with no exp_alerts).
 */
export function ruleTestGaps(rules: readonly RuleFile[], testFiles: readonly string[]): string[] {
  const checked = new Map<string, Checked>();
  for (const f of testFiles) readTestFile(path.resolve(f), checked);
  const gaps: string[] = [];
  for (const rf of rules) {
    const c = checked.get(path.resolve(rf.file));
    const where = shown(rf.file);
    for (const g of rf.groups) {
      for (const r of g.rules) {
        const sev = r.labels.severity;
        if (!c?.firing.has(key(r.alert, sev)))
          gaps.push(
            `${where}: ${r.alert} (${sev}) is never expected to fire: add an alert_rule_test with alertname ${r.alert} and exp_alerts carrying severity: ${sev}, in a test file whose rule_files load ${where}`,
          );
        if (!c?.silent.has(r.alert))
          gaps.push(
            `${where}: ${r.alert} is never expected to stay silent: add an alert_rule_test with alertname ${r.alert} and no exp_alerts (before its \`for\` has passed, or in the healthy case)`,
          );
      }
    }
  }
  return gaps;
}

const yamlFiles = (dir: string): string[] =>
  fs
    .readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => path.join(dir, n));

/**
 * Everything wrong with a rule folder and its unit tests, as messages (empty: nothing): the
 * folder does not load (./rules.ts), `promtool check rules` or `promtool test rules` fails (with
 * promtool's own output), or a rule is left unchecked by the tests (ruleTestGaps).
 */
export async function verifyRuleFolder(
  rulesDir: string = RULES_DIR,
  testsDir: string = RULE_TESTS_DIR,
  opts: PromtoolOptions = {},
): Promise<string[]> {
  const problems: string[] = [];
  const ruleFiles = yamlFiles(rulesDir);
  const testFiles = yamlFiles(testsDir);
  if (testFiles.length === 0) problems.push(`${shown(testsDir)}: no promtool unit-test file (.yaml)`);
  for (const r of [await checkRules(ruleFiles, opts), await testRules(testFiles, opts)])
    if (!r.ok) problems.push(`${r.command} failed (exit ${r.exitCode}):\n${r.output}`);
  try {
    problems.push(...ruleTestGaps(loadRules(rulesDir), testFiles));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    problems.push(err.message);
  }
  return problems;
}
