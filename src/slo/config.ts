/**
 * The drill config file (YAML), validated with zod:
 *
 *   allowedContexts:                        # the clusters a drill may run against (allowed.ts)
 *     - context: kubernetes-admin@kubernetes #   ssh: context, server and hosts all pinned
 *       server: https://10.0.0.10:6443
 *       hosts: [10.0.0.11, 10.0.0.12, 10.0.0.13, 10.0.0.20]
 *     - context: kind-drill                  #   kind: the context (server optional)
 *   sustainedSuccessS: 3                    # RTO success window
 *   promql:                                 # PromQL SLOs across the fault window (monitoring)
 *     - name: apiserver_p99_s
 *       expr: histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket[1m])))
 *       slo: "< 1"
 *       scenarios: [apiserver-kill]         # default: every scenario
 *   slo:                                    # overrides for every scenario
 *     api_outage_s: "< 20"
 *   scenarios:
 *     apiserver-kill:
 *       slo: { lb_failover_s: 15, rto_s: { op: "<=", threshold: 20 } }
 *       alerts:                             # replace the scenario's expected alerts
 *         expected: [APIServerDown, { alert: TargetDown, labels: { job: apiserver } }]
 *         allowed: [KubeAPIErrorBudgetBurn] # may fire without failing the drill
 *
 * Scenario names under `scenarios:` are checked against the names the caller passes in (the
 * catalogue's, from the CLI). Errors say which key of which file to fix.
 */
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { z } from 'zod';
import type { PromqlSlo } from '../monitoring/promql.ts';
import type { ScenarioAlerts } from '../monitoring/types.ts';
import { parseSloValue, type SloOverride } from './parse.ts';
import { type ScenarioName, SloInputError, type SloOp } from './types.ts';

const sloMap = z.record(z.string(), z.unknown());

/**
 * One cluster a drill may touch: the kube context it is reached through and, to tell apart
 * clusters whose contexts share a name (every kubeadm admin.conf says
 * kubernetes-admin@kubernetes), its API server URL, the inventory's api.url when that differs,
 * and the inventory's host addresses. A bare string is an entry with the context alone.
 */
const allowedCluster = z.strictObject({
  context: z.string().min(1),
  server: z.url().optional(),
  apiUrl: z.url().optional(),
  hosts: z.array(z.string().min(1)).min(1).optional(),
});
export type AllowedCluster = z.infer<typeof allowedCluster>;

/** An expected alert: its name, or its name and the labels that pick it (`instance`, ...). */
const expectedAlert = z.union([
  z.string().min(1),
  z.strictObject({ alert: z.string().min(1), labels: z.record(z.string(), z.string()).optional() }),
]);

/** The alerts a scenario expects (they replace its own) and those allowed to fire. */
const alertsSection = z.strictObject({
  expected: z.array(expectedAlert),
  allowed: z.array(z.string().min(1)).optional(),
});

const scenarioSection = z.strictObject({
  slo: sloMap.optional(),
  alerts: alertsSection.optional(),
});

/** A PromQL SLO (src/monitoring/promql.ts): `slo` is an operator and a number, e.g. "< 1". */
const promqlSlo = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lowercase letters, digits and _, starting with a letter'),
  expr: z.string().min(1),
  slo: z
    .string()
    .regex(/^\s*(<=|>=|==|<|>)\s*-?\d+(\.\d+)?(e[-+]?\d+)?\s*$/, 'an operator and a number, e.g. "< 1"'),
  scenarios: z.array(z.string()).optional(),
});

export const drillConfigSchema = z.strictObject({
  allowedContexts: z
    .array(z.preprocess((e) => (typeof e === 'string' ? { context: e } : e), allowedCluster))
    .optional(),
  sustainedSuccessS: z.number().positive().optional(),
  slo: sloMap.optional(),
  scenarios: z.record(z.string(), scenarioSection).optional(),
  promql: z.array(promqlSlo).optional(),
});

export interface DrillConfig {
  readonly allowedContexts?: readonly AllowedCluster[];
  readonly sustainedSuccessS?: number;
  readonly slo: readonly SloOverride[];
  /** PromQL SLOs checked across each drill's fault window (needs a monitoring stack). */
  readonly promql: readonly PromqlSlo[];
  readonly scenarios: Readonly<
    Partial<Record<ScenarioName, { readonly slo: readonly SloOverride[]; readonly alerts?: ScenarioAlerts }>>
  >;
}

export const EMPTY_CONFIG: DrillConfig = { slo: [], promql: [], scenarios: {} };

/** `known`: the scenario names a `scenarios:` key may use (the catalogue's). */
export function parseDrillConfig(
  text: string,
  known: readonly ScenarioName[],
  file = 'drill config',
): DrillConfig {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw new SloInputError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  if (raw === null || raw === undefined) return EMPTY_CONFIG;
  refuseParams(raw, file);
  const parsed = drillConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`,
    );
    throw new SloInputError(`${file}: invalid drill config:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const scenarios: Record<string, { slo: SloOverride[]; alerts?: ScenarioAlerts }> = {};
  for (const [name, section] of Object.entries(c.scenarios ?? {})) {
    if (!known.includes(name)) {
      throw new SloInputError(`${file}: scenarios.${name}: unknown scenario; known: ${known.join(', ')}`);
    }
    scenarios[name] = {
      slo: overrides(section.slo, `${file}: scenarios.${name}.slo`),
      ...(section.alerts
        ? {
            alerts: {
              expected: section.alerts.expected.map((e) => (typeof e === 'string' ? { alert: e } : e)),
              ...(section.alerts.allowed ? { allowed: section.alerts.allowed } : {}),
            },
          }
        : {}),
    };
  }
  const names = new Set<string>();
  const promql = (c.promql ?? []).map((q, i): PromqlSlo => {
    const where = `${file}: promql[${i}]`;
    if (names.has(q.name))
      throw new SloInputError(`${where}.name: '${q.name}' is used twice; name each once`);
    names.add(q.name);
    for (const s of q.scenarios ?? [])
      if (!known.includes(s))
        throw new SloInputError(`${where}.scenarios: unknown scenario '${s}'; known: ${known.join(', ')}`);
    const m = /^\s*(<=|>=|==|<|>)\s*(\S+)\s*$/.exec(q.slo)!;
    return {
      name: q.name,
      expr: q.expr,
      op: m[1] as SloOp,
      threshold: Number(m[2]),
      ...(q.scenarios ? { scenarios: q.scenarios } : {}),
    };
  });
  return {
    ...(c.allowedContexts ? { allowedContexts: c.allowedContexts } : {}),
    promql,
    ...(c.sustainedSuccessS !== undefined ? { sustainedSuccessS: c.sustainedSuccessS } : {}),
    slo: overrides(c.slo, `${file}: slo`),
    scenarios,
  };
}

export async function loadDrillConfig(path: string, known: readonly ScenarioName[]): Promise<DrillConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SloInputError(
      `--config ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  return parseDrillConfig(text, known, path);
}

/** `scenarios.<name>.params` was never read: say where a scenario's aim is set instead. */
function refuseParams(raw: unknown, file: string): void {
  const scenarios = (raw as { scenarios?: unknown }).scenarios;
  if (typeof scenarios !== 'object' || scenarios === null) return;
  for (const [name, section] of Object.entries(scenarios)) {
    if (typeof section === 'object' && section !== null && 'params' in section) {
      throw new SloInputError(
        `${file}: scenarios.${name}.params: not supported (a config does not aim a fault); remove it and aim with the drill's flags (--host, --member, --variant, --signal, --toleration-seconds)`,
      );
    }
  }
}

function overrides(map: Record<string, unknown> | undefined, where: string): SloOverride[] {
  return Object.entries(map ?? {}).map(([name, value]) => parseSloValue(name, value, `${where}.${name}`));
}
