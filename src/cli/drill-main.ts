/**
 * The drill CLI (entry point drill.ts): `npm run drill -- <scenario|all> [options]`, `npm run drill -- recover`, `--list`, `--dry-run`.
 * Parses and validates everything before touching anything (bad input: exit 2, nothing changed),
 * then hands a DrillRequest to execute.ts. Exit codes: 0 ran (with --gate: every SLO passed),
 * 1 an SLO failed with --gate, or a fidelity problem with --gate-fidelity, 2 bad input,
 * 3 preflight failed / target unreachable / not healed, 130 interrupted.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { PRESETS, type PresetName } from '../lab/config.ts';
import { type K6Script, requireK6 } from '../probes/k6.ts';
import { parseBaseline } from '../runner/baseline.ts';
import type { LoadRequest } from '../runner/options.ts';
import { measuredBy, type ScenarioOptions } from '../runner/scenario.ts';
import { HealJournal } from '../safety/journal.ts';
import { EMPTY_CONFIG, loadDrillConfig } from '../slo/config.ts';
import { parseSloFlags } from '../slo/parse.ts';
import { resolveSlos } from '../slo/resolve.ts';
import { readKindConfig } from '../targets/kind-config.ts';
import { exitCodeOf, LiveAimError, messageOf, UserError } from '../util/errors.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { redactString } from '../util/redact.ts';
import { parseDuration } from '../util/time.ts';
import { checkDryRunFlags, checkRecoverFlags, checkReportDir, checkTargetFlags } from './flags.ts';
import type { CliIo } from './io.ts';
import { MONITORING_OPTIONS, MONITORING_USAGE } from './monitoring-flags.ts';

/** A drill's deadline: long enough for a baseline and a heal, short enough for a timer. */
const DEADLINE_MIN_MS = 30_000;
const DEADLINE_MAX_MS = 24 * 3600_000;
/** --delay: at least 1 ms (strace's and netem's delays are whole µs/ms), at most 60 s. */
const DELAY_MIN_MS = 1;
const DELAY_MAX_MS = 60_000;

/** `5%`, `5` or `0.5%`: a percentage from 0 to 100. */
export function parsePercent(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const v = m ? Number(m[1]) : Number.NaN;
  if (!(v >= 0 && v <= 100))
    throw new UserError(`${flag}: '${text}' is not a percentage from 0 to 100; write e.g. 5%`);
  return v;
}

const names = () => [...SCENARIO_CATALOGUE.keys(), 'all'].join(', ');

const USAGE = `usage: npm run drill -- <scenario|all> [options]
       npm run drill -- recover     replay the heals a killed drill left pending (heal journal);
                                    entries made with --insecure-ignore-host-keys need it again
       npm run drill -- --list

scenarios: ${names()}

options:
  --target lab|kind|ssh   target (default lab: attach to a running lab, or bring one up and take it down after)
  --lab-preset seeds|fast lab timings when the drill brings the lab up (default seeds)
  --host NAME             host the fault aims at (default: the scenario's choice)
  --member NAME           etcd member the fault aims at (etcd-partition; default the leader)
  --variant NAME          scenario variant (see --list)
  --signal KILL|TERM      signal for process faults (default KILL)
  --toleration-seconds N  tolerationSeconds of the drill workload (kubelet-stop)
  --delay DURATION        added latency, e.g. 100ms (etcd-disk-latency: each fsync of etcd;
                          network-degrade: what a degraded member sends to its peers; default 100ms)
  --jitter DURATION       network-degrade: ± jitter of that delay (default 0)
  --loss PERCENT          network-degrade: packets lost, e.g. 5% (default 0)
  --keep-snapshot         etcd-restore (and all): keep the snapshot on the members after the heal
                          (0600, root alone; it holds every Secret) and say where, instead of removing it
  --slo NAME[OP]VALUE     override an SLO, e.g. --slo lb_failover_s=10 or --slo 'rto_s<=20' (repeatable)
  --config FILE           drill config (YAML): SLO overrides per scenario, allowedContexts (the
                          clusters a non-lab drill may touch: context, server, hosts)
  --repeat N              run the scenario N times; the last report has min/p50/p95/max per measurement
  --report-dir DIR        where reports go (default reports/)
  --gate                  exit 1 when an SLO fails or is unknown (CI gate)
  --gate-fidelity         exit 1 on any fidelity problem: fault not proven, a measurement null or
                          only a lower bound, outside its expected window, or without a window
                          because a timing input is undefined (combine with --gate for both)
  --json                  print report.json to stdout at the end
  --keep-lab              leave a lab the drill brought up running
  --inventory FILE        ssh target: the inventory (hosts, roles, ssh settings, kubeconfig); an
                          encrypted key reads its passphrase from $HADRILL_SSH_KEY_PASSPHRASE
  --insecure-ignore-host-keys
                          ssh target: accept any host key (NOT verified; the report says so)
  --cluster NAME          kind target: the kind cluster (default kind)
  --create FILE           kind target: create the cluster from this kind config if it does not
                          exist (and delete it after the drill), e.g. kind-configs/ha-3cp.yaml
  --dry-run               print the plan (steps, hosts, exact commands, expected effects, heals); change nothing
  --allow-unsafe SCENARIO inject SCENARIO past the interlocks (etcd quorum, every apiserver, the only
                          LB); names a scenario the drill runs (repeatable with all)
  --allow-any-context     ssh/kind target: run on a cluster allowedContexts does not pin (the
                          report's target name says so); without it the drill exits 2 first
  --yes                   consent to a destructive drill (etcd-restore, kubelet-stop, all) on a
                          non-lab target; without it a terminal asks for the target's name, and
                          without a terminal the drill exits 2 before touching anything
  --deadline DURATION     heal and report after this long whatever happens (30s to 24h, default 20m)
  --baseline auto|DURATION
                          probes run before the fault, the pre-fault picture: auto (default) = 1 s,
                          then until every probe has reported (5 s at most); or exactly DURATION (1s to 10m)
  --load RATE|k6[:read|write]
                          background load through the LB: the built-in generator at RATE requests/s
                          (GET + LIST; default 0 = off), or the typed k6 script (needs k6 on PATH)
${MONITORING_USAGE}
  --list                  list scenarios and exit`;

const wholeNumber = (
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UserError(`${flag} must be a whole number from ${min} to ${max} (got '${text}')`);
  }
  return n;
};

function parseLoad(text: string): LoadRequest | undefined {
  const k6 = /^k6(?::(read|write))?$/.exec(text);
  if (k6) {
    requireK6();
    return { kind: 'k6', script: (k6[1] ?? 'read') as K6Script };
  }
  const rate = wholeNumber('--load (requests per second, or k6, k6:read, k6:write)', text, 0, 200) ?? 0;
  return rate > 0 ? { kind: 'builtin', ratePerS: rate } : undefined;
}

async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    tokens: true,
    options: {
      target: { type: 'string', default: 'lab' },
      'lab-preset': { type: 'string' },
      host: { type: 'string' },
      member: { type: 'string' },
      variant: { type: 'string' },
      signal: { type: 'string' },
      'toleration-seconds': { type: 'string' },
      delay: { type: 'string' },
      jitter: { type: 'string' },
      loss: { type: 'string' },
      'keep-snapshot': { type: 'boolean' },
      slo: { type: 'string', multiple: true, default: [] },
      config: { type: 'string' },
      repeat: { type: 'string', default: '1' },
      'report-dir': { type: 'string', default: path.join(PROJECT_ROOT, 'reports') },
      gate: { type: 'boolean', default: false },
      'gate-fidelity': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'keep-lab': { type: 'boolean', default: false },
      inventory: { type: 'string' },
      'insecure-ignore-host-keys': { type: 'boolean', default: false },
      cluster: { type: 'string' },
      create: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'allow-unsafe': { type: 'string', multiple: true, default: [] },
      'allow-any-context': { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      deadline: { type: 'string', default: '20m' },
      baseline: { type: 'string', default: 'auto' },
      load: { type: 'string', default: '0' },
      ...MONITORING_OPTIONS,
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (values.list) {
    const width = Math.max(...[...SCENARIO_CATALOGUE.keys()].map((n) => n.length));
    for (const s of SCENARIO_CATALOGUE.values()) io.out(`${s.name.padEnd(width)} ${s.description}`);
    io.out(`${'all'.padEnd(width)} every scenario above, in order, verifying steady state between them`);
    return 0;
  }
  // The flags written on the command line (not their defaults): a flag that does not apply is refused.
  const given = new Set(tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : [])));
  const journal = new HealJournal();
  if (positionals[0] === 'recover') {
    checkRecoverFlags(given, positionals);
    const { recoverCommand } = await import('./safety.ts');
    // The journal's commands are verbatim (replayable); what recover prints of them is redacted.
    return recoverCommand(journal, (l) => io.err(`recover: ${redactString(l)}`), {
      insecureIgnoreHostKeys: values['insecure-ignore-host-keys'],
    });
  }

  const name = positionals[0];
  if (!name) throw new UserError(`name a scenario: ${names()} (see --help)`);
  if (positionals.length > 1) throw new UserError(`one scenario at a time (got ${positionals.join(', ')})`);
  const suite = name === 'all';
  const one = SCENARIO_CATALOGUE.get(name);
  if (!suite && !one)
    throw new UserError(`unknown scenario '${name}': choose one of ${names()} (npm run drill -- --list)`);
  const scenarios = suite ? [...SCENARIO_CATALOGUE.values()] : [one!];
  checkTargetFlags(values.target, given);
  if (values['dry-run']) checkDryRunFlags(given);
  else checkReportDir(values['report-dir']);
  if (values.create) readKindConfig(values.create);
  const preset = values['lab-preset'] as PresetName | undefined;
  if (preset && !PRESETS.includes(preset)) {
    throw new UserError(`--lab-preset must be one of ${PRESETS.join(', ')} (got '${preset}')`);
  }
  if (values.signal && !['KILL', 'TERM'].includes(values.signal)) {
    throw new UserError(`--signal must be KILL or TERM (got '${values.signal}')`);
  }
  const deadlineMs = parseDuration(values.deadline, '--deadline', DEADLINE_MAX_MS, DEADLINE_MIN_MS);
  const baseline = parseBaseline(values.baseline);
  const load = parseLoad(values.load);
  const monitoring = (await import('./monitoring.ts')).parseMonitoringFlags(values, values.target);
  const repeat = wholeNumber('--repeat', values.repeat, 1, 100) ?? 1;
  if (suite && repeat > 1) throw new UserError('--repeat applies to one scenario, not to all');
  if (suite) {
    const aimed = (['host', 'member', 'variant'] as const).filter((k) => values[k] !== undefined);
    if (aimed.length > 0) {
      throw new UserError(
        `--${aimed.join(', --')} aims one scenario's fault; with 'all' every scenario picks its own. Run that scenario alone to aim it.`,
      );
    }
  }
  const config = values.config
    ? await loadDrillConfig(values.config, [...SCENARIO_CATALOGUE.keys()])
    : EMPTY_CONFIG;
  const cliSlos = parseSloFlags(values.slo);
  // An --slo applies to the scenarios that report that measurement; one that none of them
  // reports is a mistake worth saying.
  for (const o of cliSlos) {
    if (!scenarios.some((s) => measuredBy(s).has(o.name))) {
      const known = [...new Set(scenarios.flatMap((s) => [...measuredBy(s)]))].join(', ');
      throw new UserError(`--slo ${o.name}: ${name} does not measure it (it reports ${known})`);
    }
  }
  const slos = new Map(
    scenarios.map((s) => [
      s.name,
      resolveSlos({ scenario: s, config, cli: cliSlos.filter((o) => measuredBy(s).has(o.name)) }),
    ]),
  );
  const options: ScenarioOptions = {
    host: values.host,
    member: values.member,
    variant: values.variant,
    signal: values.signal as ScenarioOptions['signal'],
    tolerationSeconds: wholeNumber('--toleration-seconds', values['toleration-seconds'], 0, 3600),
    ...(values['keep-snapshot'] ? { keepSnapshot: true } : {}),
    ...(values.delay !== undefined
      ? { delayMs: parseDuration(values.delay, '--delay', DELAY_MAX_MS, DELAY_MIN_MS) }
      : {}),
    ...(values.jitter !== undefined
      ? { jitterMs: parseDuration(values.jitter, '--jitter', DELAY_MAX_MS) }
      : {}),
    ...(values.loss !== undefined ? { lossPct: parsePercent(values.loss, '--loss') } : {}),
  };
  // Aim checked against the target as planned, before anything is opened (aim.ts).
  const { checkAim, checkScenarioFlags, plannedTopology } = await import('./aim.ts');
  if (!suite) checkScenarioFlags(one!, options);
  const planned = await plannedTopology({
    kind: values.target,
    preset,
    inventory: values.inventory,
    insecureIgnoreHostKeys: values['insecure-ignore-host-keys'],
  });
  for (const s of scenarios) checkAim(s, options, planned);
  for (const u of values['allow-unsafe']) {
    if (!scenarios.some((s) => s.name === u))
      throw new UserError(
        `--allow-unsafe ${u}: ${name} does not run it: name the scenario to inject past the interlocks (${scenarios.map((s) => s.name).join(', ')})`,
      );
  }
  // allowedContexts pins the cluster, before anything is opened (pin.ts).
  const pin = await (await import('./pin.ts')).checkPin({
    kind: values.target,
    config,
    configFile: values.config,
    allowAnyContext: values['allow-any-context'],
    inventory: values.inventory,
    cluster: values.cluster,
  });
  for (const n of pin?.kind === 'pinned' ? pin.notes : pin ? [pin.note] : []) io.err(`drill: ${n}`);

  // Loaded only here: --help and --list start without the targets, the reporters and ssh.
  if (values['dry-run']) {
    const { dryRunContext, dryRunTarget } = await import('./dry-run.ts');
    const { renderPlan } = await import('./safety.ts');
    const target = await dryRunTarget(values.target, preset, values.inventory, {
      cluster: values.cluster,
      create: values.create,
    });
    try {
      for (const s of scenarios) {
        let fault: Awaited<ReturnType<typeof s.fault>>;
        try {
          fault = await s.fault(dryRunContext(target, options));
        } catch (err) {
          // `all`: a scenario whose aim only the running cluster can choose is said, not planned.
          if (!(suite && err instanceof LiveAimError)) throw err;
          io.out(`plan: ${s.name} — not planned: ${err.message.replace(/^--dry-run: /, '')}\n`);
          continue;
        }
        io.out(renderPlan(s, fault, target, values['allow-unsafe'].includes(s.name)));
        io.out('');
      }
    } finally {
      await target.close();
    }
    return 0;
  }
  const { executeDrill } = await import('./execute.ts');
  return executeDrill({
    scenarios,
    suite,
    slosFor: (n) => slos.get(n)!,
    options,
    config,
    targetKind: values.target,
    preset,
    inventory: values.inventory,
    insecureIgnoreHostKeys: values['insecure-ignore-host-keys'],
    cluster: values.cluster,
    create: values.create,
    reportDir: values['report-dir'],
    gate: values.gate,
    gateFidelity: values['gate-fidelity'],
    json: values.json,
    keepLab: values['keep-lab'],
    allowUnsafe: values['allow-unsafe'],
    unpinned: pin?.kind === 'unpinned',
    yes: values.yes,
    load,
    monitoring,
    repeat,
    deadlineMs,
    baseline,
    deadlineText: values.deadline,
    journal,
    io,
  });
}

/**
 * Runs the drill CLI with `argv` (without node and the script) and returns its exit code; the
 * error that ends it goes to `io.err` as `drill: <message>`.
 */
export function drillMain(argv: readonly string[], io: CliIo): Promise<number> {
  return main(argv, io).catch((err: unknown) => {
    io.err(`drill: ${messageOf(err)}`);
    return exitCodeOf(err);
  });
}
