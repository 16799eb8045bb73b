/**
 * Running a parsed drill request: open the target (lab, ssh, ...), guard it (heal journal,
 * signals, global deadline), run one scenario — `--repeat N` times — or the `all` suite, write
 * the reports, and return the exit code.
 */
import path from 'node:path';
import { repetitionStats } from '../analysis/stats.ts';
import type { PresetName } from '../lab/config.ts';
import { exitCodeFor, fidelityProblems } from '../model/exit.ts';
import type { DrillResult, RunResult } from '../model/result.ts';
import { KubeAccess } from '../probes/kube.ts';
import { findPreviousRuns } from '../reporters/history-store.ts';
import { ReporterHub } from '../reporters/hub.ts';
import { LiveReporter } from '../reporters/live.ts';
import { reportDirFor, writeReports } from '../reporters/write.ts';
import type { BaselineRule } from '../runner/baseline.ts';
import type { LoadRequest, RunOptions, RunOutcome } from '../runner/options.ts';
import { runScenario } from '../runner/run.ts';
import type { Scenario, ScenarioOptions } from '../runner/scenario.ts';
import { runSuite } from '../runner/suite.ts';
import { requireConsent } from '../safety/consent.ts';
import type { HealJournal } from '../safety/journal.ts';
import type { DrillConfig } from '../slo/config.ts';
import type { ScenarioName, SloSet } from '../slo/types.ts';
import { TimelineRecorder } from '../timeline/recorder.ts';
import type { CliIo } from './io.ts';
import { type DrillLock, holdClusterLock } from './lock.ts';
import { type MonitoringRequest, monitoringFor } from './monitoring.ts';
import { markedUnpinned } from './pin.ts';
import { journalHooks, refuseIfPending, targetRef } from './safety.ts';
import { openTarget } from './targets.ts';

export const HARNESS_VERSION = '0.1.0';

export interface DrillRequest {
  /** One scenario, or the whole catalogue in order for `all`. */
  readonly scenarios: readonly Scenario[];
  readonly suite: boolean;
  readonly slosFor: (name: ScenarioName) => SloSet;
  readonly options: ScenarioOptions;
  readonly config: DrillConfig;
  readonly targetKind: string;
  readonly preset?: PresetName;
  readonly inventory?: string;
  readonly insecureIgnoreHostKeys: boolean;
  readonly cluster?: string;
  readonly create?: string;
  readonly reportDir: string;
  readonly gate: boolean;
  /** --gate-fidelity: exit 1 on any fidelity problem (src/model/exit.ts). */
  readonly gateFidelity: boolean;
  readonly json: boolean;
  readonly keepLab: boolean;
  /** --allow-unsafe: the scenarios that may inject past the interlocks. */
  readonly allowUnsafe: readonly string[];
  /** --allow-any-context: the cluster is not pinned by allowedContexts (the report's target name says so). */
  readonly unpinned?: boolean;
  /** --yes: consent to a destructive drill on a non-lab target (src/safety/consent.ts). */
  readonly yes?: boolean;
  readonly load?: LoadRequest;
  /** Which monitoring the drill watches for its expected alerts (src/cli/monitoring.ts). */
  readonly monitoring: MonitoringRequest;
  readonly repeat: number;
  readonly deadlineMs: number;
  /** Probes' pre-fault window (--baseline). */
  readonly baseline: BaselineRule;
  readonly deadlineText: string;
  readonly journal: HealJournal;
  /** Where the drill's own lines go (stdout: --json; stderr: progress). */
  readonly io: CliIo;
}

/** A line of the drill's own progress on stderr. */
const logTo = (io: CliIo) => (l: string) => io.err(`drill: ${l}`);

/** The user's consent to a destructive drill on a real cluster, before the target is opened. */
async function consent(req: DrillRequest): Promise<void> {
  const log = logTo(req.io);
  const destructive = req.scenarios.flatMap((s) =>
    s.destructive ? [{ name: s.name, effect: s.destructive }] : [],
  );
  if (destructive.length === 0 || req.targetKind === 'lab') return;
  const targetName =
    req.targetKind === 'ssh'
      ? `inventory ${req.inventory ?? '(none)'}`
      : `kind cluster ${req.cluster ?? 'kind'}`;
  const hosts =
    req.targetKind === 'ssh' && req.inventory
      ? (await import('../targets/inventory.ts')).loadInventory(req.inventory).hosts.map((h) => h.name)
      : undefined;
  const decision = await requireConsent(
    {
      targetKind: req.targetKind,
      targetName,
      ...(hosts ? { hosts } : {}),
      destructive,
      yes: req.yes === true,
    },
    {
      interactive: req.io.interactive,
      say: req.io.err,
      ask: async (prompt) => {
        const rl = (await import('node:readline/promises')).createInterface({
          input: process.stdin,
          output: process.stderr,
        });
        try {
          return await rl.question(prompt);
        } finally {
          rl.close();
        }
      },
    },
  );
  if (decision.kind === 'given') log(`destructive drill confirmed (${decision.how}) on ${targetName}`);
}

export async function executeDrill(req: DrillRequest): Promise<number> {
  const log = logTo(req.io);
  refuseIfPending(req.journal);
  await consent(req);
  const opened = await openTarget({
    kind: req.targetKind,
    preset: req.preset,
    config: req.config,
    log,
    inventory: req.inventory,
    insecureIgnoreHostKeys: req.insecureIgnoreHostKeys,
    cluster: req.cluster,
    create: req.create,
  });
  const interrupt = new AbortController();
  const deadline = setTimeout(() => {
    log(`deadline (${req.deadlineText}) reached: healing and reporting`);
    interrupt.abort('deadline');
  }, req.deadlineMs);
  deadline.unref();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      req.io.err(`\ndrill: ${sig}: healing the fault, verifying and reporting (again to force exit)`);
      interrupt.abort(sig);
    } else {
      log(`${sig} again: exiting now; run 'npm run drill -- recover' if a fault was left`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let lock: DrillLock | undefined;
  try {
    // The cluster was pinned before opening (pin.ts); a run without the pin is marked as such.
    const target = req.unpinned ? markedUnpinned(opened.target) : opened.target;
    const kube = new KubeAccess(target.topology.kubeconfigPath, target.topology.kubeContext);
    const ref = targetRef(target, { inventory: req.inventory, insecureHostKeys: req.insecureIgnoreHostKeys });
    // One drill per cluster: the lock on the target's hosts, before the first fault (cli/lock.ts).
    lock = await holdClusterLock({
      target,
      kube,
      journal: req.journal,
      ref,
      scenarios: req.scenarios.map((s) => s.name),
      deadlineMs: req.deadlineMs,
      log,
    });
    const hub = new ReporterHub([new LiveReporter({ stream: process.stderr })]);
    const previousFor = (name: ScenarioName) =>
      findPreviousRuns(req.reportDir, { scenario: name, target: target.topology.name }).catch(() => []);
    const watching = monitoringFor(req.monitoring, target, log);
    const extras = (scenario: Scenario): Partial<RunOptions> => ({
      ...(watching
        ? {
            monitoring: { ...watching, alerts: req.config.scenarios[scenario.name]?.alerts },
            promql: req.config.promql.filter((q) => !q.scenarios || q.scenarios.includes(scenario.name)),
          }
        : {}),
      ...journalHooks(req.journal, scenario.name, ref, target),
      allowUnsafe: req.allowUnsafe.includes(scenario.name),
      load: req.load,
      baseline: req.baseline,
      // The config's RTO window: the runner observes by it and the analysis measures with it.
      ...(req.config.sustainedSuccessS !== undefined
        ? { sustained: { sustainedSuccessMs: req.config.sustainedSuccessS * 1000 } }
        : {}),
    });
    const recorderFor = (name: ScenarioName) => {
      const recorder = new TimelineRecorder();
      hub.attach(recorder);
      void hub.runStart({
        scenario: name,
        target: target.topology.name,
        preset: opened.preset,
        startedAt: new Date().toISOString(),
      });
      return recorder;
    };
    let result: DrillResult;
    let healed: boolean;
    if (req.suite) {
      const suite = await runSuite({
        scenarios: req.scenarios,
        target,
        kube,
        slosFor: req.slosFor,
        optionsFor: () => req.options,
        previousFor,
        recorderFor,
        signal: interrupt.signal,
        preset: opened.preset,
        harnessVersion: HARNESS_VERSION,
        runExtras: extras,
        onRunEnd: (r) => hub.runEnd(r),
      });
      for (const s of suite.skipped) log(`skipped ${s.scenario}: ${s.reason}`);
      result = suite.result;
      healed = suite.healed;
    } else {
      const scenario = req.scenarios[0]!;
      const outcomes: RunOutcome[] = [];
      for (let i = 1; i <= req.repeat && !interrupt.signal.aborted; i++) {
        if (req.repeat > 1) log(`run ${i} of ${req.repeat}`);
        const outcome = await runScenario({
          ...extras(scenario),
          scenario,
          target,
          kube,
          slos: req.slosFor(scenario.name),
          options: req.options,
          recorder: recorderFor(scenario.name),
          signal: interrupt.signal,
          preset: opened.preset,
          harnessVersion: HARNESS_VERSION,
          previous: await previousFor(scenario.name),
          repeat: req.repeat > 1 ? { index: i, of: req.repeat } : undefined,
          repetition:
            req.repeat > 1 && i === req.repeat
              ? (current) => repetitionStats([...outcomes.map((o) => o.result.measurements), current])
              : undefined,
        });
        outcomes.push(outcome);
        if (i < req.repeat) await writeRun(req, outcome.result);
        if (!outcome.healed) break;
      }
      const last = outcomes.at(-1)!;
      result = last.result;
      healed = outcomes.every((o) => o.healed);
      await hub.runEnd(last.result as RunResult);
    }
    await writeRun(req, result);
    if (req.json) req.io.out(JSON.stringify(result, null, 2));
    if (!healed) {
      log("a fault could NOT be healed: run 'npm run drill -- recover' and check the target");
      return 3;
    }
    const code = exitCodeFor(result, { gate: req.gate, gateFidelity: req.gateFidelity });
    if (req.gateFidelity) {
      const problems = fidelityProblems(result);
      for (const p of problems) log(`fidelity: ${p.message}`);
      log(`--gate-fidelity: ${problems.length} fidelity problem(s)`);
    }
    return code;
  } finally {
    clearTimeout(deadline);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await lock?.end();
    await opened.close(req.keepLab);
  }
}

async function writeRun(req: DrillRequest, result: DrillResult): Promise<void> {
  const files = await writeReports(reportDirFor(req.reportDir, result), result);
  logTo(req.io)(`reports in ${path.relative(process.cwd(), files.dir) || files.dir}`);
}
