/**
 * `npm run drill -- <scenario> [options]`: run one scenario (or `all`) against a target and write
 * the reports. Exit codes: 0 ran (and, with --gate, every SLO passed), 1 an SLO failed with
 * --gate, 2 bad input, 3 preflight failed or target unreachable, 130 interrupted.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { PRESETS, PROJECT_ROOT, type PresetName } from '../lab/config.ts';
import { exitCodeFor } from '../model/exit.ts';
import type { RunResult } from '../model/result.ts';
import { KubeAccess } from '../probes/kube.ts';
import { findPreviousRun } from '../reporters/history-store.ts';
import { ReporterHub } from '../reporters/hub.ts';
import { LiveReporter } from '../reporters/live.ts';
import { reportDirFor, writeReports } from '../reporters/write.ts';
import { runScenario } from '../runner/run.ts';
import type { ScenarioOptions } from '../runner/scenario.ts';
import { EMPTY_CONFIG, loadDrillConfig } from '../slo/config.ts';
import { parseSloFlags } from '../slo/parse.ts';
import { resolveSlos } from '../slo/resolve.ts';
import { isScenarioName } from '../slo/types.ts';
import { TimelineRecorder } from '../timeline/recorder.ts';
import { exitCodeOf, messageOf, UserError } from '../util/errors.ts';
import { openTarget } from './targets.ts';

const USAGE = `usage: npm run drill -- <scenario> [options]
       npm run drill -- --list

scenarios: ${[...SCENARIO_CATALOGUE.keys()].join(', ')}

options:
  --target lab            target (default lab: attach to a running lab, or bring one up and take it down after)
  --lab-preset seeds|fast lab timings when the drill brings the lab up (default seeds)
  --host NAME             host the fault aims at (default: the scenario's choice)
  --signal KILL|TERM      signal for process faults (default KILL)
  --member NAME           etcd member the fault aims at (etcd-partition; default the leader)
  --variant NAME          scenario variant (see --list)
  --toleration-seconds N  tolerationSeconds of the drill workload (kubelet-stop)
  --slo NAME[OP]VALUE     override an SLO, e.g. --slo lb_failover_s=10 or --slo 'rto_s<=20' (repeatable)
  --config FILE           drill config (YAML): SLO overrides per scenario, allowedContexts
  --report-dir DIR        where reports go (default reports/)
  --gate                  exit 1 when an SLO fails or is unknown (CI gate)
  --json                  print report.json to stdout at the end
  --keep-lab              leave a lab the drill brought up running
  --list                  list scenarios and exit`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      target: { type: 'string', default: 'lab' },
      'lab-preset': { type: 'string' },
      host: { type: 'string' },
      signal: { type: 'string' },
      member: { type: 'string' },
      variant: { type: 'string' },
      'toleration-seconds': { type: 'string' },
      slo: { type: 'string', multiple: true, default: [] },
      config: { type: 'string' },
      'report-dir': { type: 'string', default: path.join(PROJECT_ROOT, 'reports') },
      gate: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'keep-lab': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    for (const s of SCENARIO_CATALOGUE.values()) console.log(`${s.name.padEnd(16)} ${s.description}`);
    return 0;
  }
  const name = positionals[0];
  if (!name)
    throw new UserError(`name a scenario: ${[...SCENARIO_CATALOGUE.keys()].join(', ')} (see --help)`);
  if (positionals.length > 1) throw new UserError(`one scenario at a time (got ${positionals.join(', ')})`);
  const scenario = isScenarioName(name) ? SCENARIO_CATALOGUE.get(name) : undefined;
  if (!scenario) {
    throw new UserError(
      `unknown scenario '${name}': choose one of ${[...SCENARIO_CATALOGUE.keys()].join(', ')} (npm run drill -- --list)`,
    );
  }
  const preset = values['lab-preset'] as PresetName | undefined;
  if (preset && !PRESETS.includes(preset))
    throw new UserError(`--lab-preset must be one of ${PRESETS.join(', ')} (got '${preset}')`);
  if (values.signal && !['KILL', 'TERM'].includes(values.signal)) {
    throw new UserError(`--signal must be KILL or TERM (got '${values.signal}')`);
  }
  const config = values.config ? await loadDrillConfig(values.config) : EMPTY_CONFIG;
  const slos = resolveSlos({ scenario: scenario.name, config, cli: parseSloFlags(values.slo) });
  const tol = values['toleration-seconds'];
  if (tol !== undefined && !/^\d+$/.test(tol)) {
    throw new UserError(`--toleration-seconds must be a whole number of seconds (got '${tol}')`);
  }
  const options: ScenarioOptions = {
    host: values.host,
    member: values.member,
    variant: values.variant,
    signal: values.signal as ScenarioOptions['signal'],
    tolerationSeconds: tol === undefined ? undefined : Number(tol),
  };

  const opened = await openTarget({
    kind: values.target,
    preset,
    config,
    log: (l) => console.error(`drill: ${l}`),
  });
  const interrupt = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      console.error(`\ndrill: ${sig}: healing the fault, verifying and reporting (again to force exit)`);
      interrupt.abort(sig);
    } else {
      console.error(`drill: ${sig} again: exiting now; run 'npm run drill -- recover' if a fault was left`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const kube = new KubeAccess(opened.target.topology.kubeconfigPath);
    const recorder = new TimelineRecorder();
    const hub = new ReporterHub([new LiveReporter({ stream: process.stderr })]);
    const detach = hub.attach(recorder);
    await hub.runStart({
      scenario: scenario.name,
      target: opened.target.topology.name,
      preset: opened.preset,
      startedAt: new Date().toISOString(),
    });
    const previous = await findPreviousRun(values['report-dir'], {
      scenario: scenario.name,
      target: opened.target.topology.name,
    }).catch(() => undefined);
    const outcome = await runScenario({
      previous,
      scenario,
      target: opened.target,
      kube,
      slos,
      options,
      recorder,
      signal: interrupt.signal,
      preset: opened.preset,
      harnessVersion: HARNESS_VERSION,
    });
    detach();
    const result: RunResult = outcome.result;
    await hub.runEnd(result);
    const dir = reportDirFor(values['report-dir'], result);
    const files = await writeReports(dir, result);
    console.error(`drill: reports in ${path.relative(process.cwd(), files.dir) || files.dir}`);
    if (values.json) console.log(JSON.stringify(result, null, 2));
    if (!outcome.healed) {
      console.error(
        "drill: the fault could NOT be healed: run 'npm run drill -- recover' and check the target",
      );
      return 3;
    }
    return exitCodeFor(result, { gate: values.gate });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await opened.close(values['keep-lab']);
  }
}

const HARNESS_VERSION = '0.1.0';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`drill: ${messageOf(err)}`);
    process.exit(exitCodeOf(err));
  },
);
