/**
 * The alert rules as data: the Prometheus rule files of `alerts/rules/` (one file per concern,
 * each saying where its rules come from; promtool unit tests in `alerts/tests/`).
 *  - loadRules reads and validates them (Prometheus' rule-file format, prometheus
 *    model/rulefmt/rulefmt.go at v2.42.0, plus this project's policy: alerting rules only, each
 *    with labels.severity critical or warning and annotations summary and description);
 *  - alertRules turns them into the AlertRuleInfo the detection analysis uses;
 *  - renderRules writes them as one rule file for the lab's Prometheus, with every `for` and
 *    `keep_firing_for` capped (the lab's fast preset, so drills finish): the analysis reads the
 *    loaded `for` back from Prometheus, so the cap stays visible in every expected window.
 * Durations are Prometheus' own format (./duration.ts), not Go's.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { UserError } from '../util/errors.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { formatPromDuration, parsePromDuration } from './duration.ts';
import type { AlertRuleInfo } from './types.ts';

/** The project's rule folder. */
export const RULES_DIR = path.join(PROJECT_ROOT, 'alerts', 'rules');

/** Severities a rule of ours may carry: a critical alert the drill did not expect fails it. */
export const SEVERITIES = ['critical', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Prometheus' global evaluation_interval default (config/config.go DefaultGlobalConfig): 1m. */
export const DEFAULT_EVALUATION_INTERVAL_S = 60;

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  /** A Prometheus duration (`5m`), as written. */
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels: Readonly<Record<string, string>> & { readonly severity: Severity };
  readonly annotations: Readonly<Record<string, string>> & {
    readonly summary: string;
    readonly description: string;
  };
}

export interface RuleGroup {
  readonly name: string;
  /** The group's evaluation interval, a Prometheus duration (the global one when absent). */
  readonly interval?: string;
  readonly limit?: number;
  readonly rules: readonly AlertingRule[];
}

export interface RuleFile {
  /** Where it was read from (absolute). */
  readonly file: string;
  readonly groups: readonly RuleGroup[];
}

/** A Prometheus duration; YAML's bare `0` is Prometheus' unit-less zero. */
const duration = z.union([z.string(), z.literal(0).transform(() => '0')]).superRefine((text, ctx) => {
  try {
    parsePromDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** model.LabelName.IsValid (legacy names, the only ones Prometheus 2.42 knows). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Unknown keys named with the keys the format has. */
const unknownKeys = (known: string) => ({
  error: (iss: z.core.$ZodRawIssue) =>
    iss.code === 'unrecognized_keys'
      ? `unknown key ${iss.keys.join(', ')}; the keys are ${known}`
      : undefined,
});
/** A missing value named with what to write. */
const needs = (what: string) => ({
  error: (iss: z.core.$ZodRawIssue) => (iss.input === undefined ? what : undefined),
});

/** A map of label (or annotation) names to strings with the `required` keys. */
const labelMap = <S extends z.ZodRawShape>(required: S, what: string) =>
  z
    .object(required, needs(what))
    .catchall(z.string())
    .superRefine((m, ctx) => {
      for (const k of Object.keys(m))
        if (!LABEL_NAME.test(k) || k === '__name__')
          ctx.addIssue({
            code: 'custom',
            path: [k],
            message: 'not a label name: letters, digits and _, not first a digit, not __name__',
          });
    });

const ruleSchema = z.strictObject(
  {
    alert: z.string(needs('name the alert')).min(1, 'name the alert'),
    expr: z.string(needs('write the PromQL expression')).trim().min(1, 'write the PromQL expression'),
    for: duration.optional(),
    keep_firing_for: duration.optional(),
    labels: labelMap(
      { severity: z.enum(SEVERITIES, 'set critical or warning') },
      'set labels, with severity: critical or warning',
    ),
    annotations: labelMap(
      {
        summary: z.string('say in one line what is wrong').min(1, 'say in one line what is wrong'),
        description: z.string('say what is wrong and where').min(1, 'say what is wrong and where'),
      },
      'set annotations, with summary and description',
    ),
  },
  unknownKeys('alert, expr, for, keep_firing_for, labels, annotations'),
);

const groupSchema = z.strictObject(
  {
    name: z.string(needs('name the group')).min(1, 'name the group'),
    interval: duration.optional(),
    limit: z.number().int().min(0).optional(),
    rules: z.array(z.unknown(), needs('list its rules')).min(1, 'a group needs at least one rule'),
  },
  unknownKeys('name, interval, limit, rules'),
);

const fileSchema = z.strictObject(
  { groups: z.array(z.unknown(), needs('list the rule groups')) },
  unknownKeys('groups'),
);

/** A path for messages: project-relative inside the checkout, absolute elsewhere. */
export function shown(file: string): string {
  const rel = path.relative(PROJECT_ROOT, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

function issues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
}

/** One rule file's text, validated; every problem names the file, the group and the rule. */
export function parseRuleFile(text: string, file: string): RuleFile {
  const where = shown(file);
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw new UserError(`${where}: not valid YAML: ${(err as Error).message}`);
  }
  const top = fileSchema.safeParse(raw);
  if (!top.success)
    throw new UserError(
      `${where}: not a Prometheus rule file (a top-level 'groups:' list): ${issues(top.error)}`,
    );
  const problems: string[] = [];
  const groups: RuleGroup[] = [];
  const names = new Set<string>();
  top.data.groups.forEach((g, gi) => {
    const group = groupSchema.safeParse(g);
    const gName = (g as { name?: unknown } | null)?.name;
    const gWhere = typeof gName === 'string' ? `group '${gName}'` : `group #${gi + 1}`;
    if (!group.success) {
      problems.push(`${gWhere}: ${issues(group.error)}`);
      return;
    }
    if (names.has(group.data.name)) problems.push(`${gWhere}: the name is used twice in the file`);
    names.add(group.data.name);
    const rules: AlertingRule[] = [];
    group.data.rules.forEach((r, ri) => {
      const rName = (r as { alert?: unknown; record?: unknown } | null)?.alert;
      const rWhere = `${gWhere}, rule #${ri + 1}${typeof rName === 'string' ? ` (${rName})` : ''}`;
      if (r !== null && typeof r === 'object' && 'record' in r) {
        problems.push(
          `${rWhere}: recording rules do not belong here; this folder holds alerting rules (alert:)`,
        );
        return;
      }
      const rule = ruleSchema.safeParse(r);
      if (rule.success) rules.push(rule.data);
      else problems.push(`${rWhere}: ${issues(rule.error)}`);
    });
    groups.push({ ...group.data, rules });
  });
  if (problems.length > 0) throw new UserError(`${where} is not valid:\n  ${problems.join('\n  ')}`);
  return { file, groups };
}

/** Group names must be unique across files that end up in one rendered file. */
function checkGroupNames(files: readonly RuleFile[]): void {
  const owner = new Map<string, number>();
  files.forEach((f, i) => {
    for (const g of f.groups) {
      const first = owner.get(g.name);
      if (first !== undefined && first !== i)
        throw new UserError(
          `rule group '${g.name}' is in ${shown(files[first]!.file)} and in ${shown(f.file)}: rename one (Prometheus loads them as one file here)`,
        );
      owner.set(g.name, i);
    }
  });
}

/** Every `*.yaml`/`*.yml` file of `dir` (default alerts/rules), sorted by name, validated. */
export function loadRules(dir: string = RULES_DIR): RuleFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n));
  } catch (err) {
    throw new UserError(`alert rules: cannot read ${shown(dir)}: ${(err as Error).message}`);
  }
  if (names.length === 0) throw new UserError(`alert rules: no .yaml rule file in ${shown(dir)}`);
  const files = names.sort().map((n) => {
    const file = path.join(dir, n);
    return parseRuleFile(fs.readFileSync(file, 'utf8'), file);
  });
  checkGroupNames(files);
  return files;
}

/**
 * The alerting rules as the detection analysis sees them. `evaluationIntervalS` is Prometheus'
 * global evaluation interval (used where a group sets none; default Prometheus' 1m).
 */
export function alertRules(
  files: readonly RuleFile[],
  opts: { evaluationIntervalS?: number } = {},
): AlertRuleInfo[] {
  const globalS = opts.evaluationIntervalS ?? DEFAULT_EVALUATION_INTERVAL_S;
  return files.flatMap((f) =>
    f.groups.flatMap((g) =>
      g.rules.map(
        (r): AlertRuleInfo => ({
          name: r.alert,
          expr: r.expr.trim(),
          forS: parsePromDuration(r.for ?? '0') / 1000,
          keepFiringForS: parsePromDuration(r.keep_firing_for ?? '0') / 1000,
          severity: r.labels.severity,
          evaluationIntervalS: g.interval !== undefined ? parsePromDuration(g.interval) / 1000 : globalS,
          group: g.name,
        }),
      ),
    ),
  );
}

/** The rules whose alert fails a drill when it fires unexpected (severity critical). */
export function criticalRules(rules: readonly AlertRuleInfo[]): AlertRuleInfo[] {
  return rules.filter((r) => r.severity === 'critical');
}

/** `text` capped at `maxMs`, as written when not longer. */
function capped(text: string | undefined, maxMs: number | undefined): string | undefined {
  if (text === undefined || maxMs === undefined) return text;
  return parsePromDuration(text) > maxMs ? formatPromDuration(maxMs) : text;
}

/**
 * One Prometheus rule file holding every group of `files` (in order), each `for` and
 * `keep_firing_for` longer than `maxForS` cut to it (none when absent). Fractions of a second
 * are kept to the millisecond (`2.5` → `2s500ms`).
 */
export function renderRules(files: readonly RuleFile[], opts: { maxForS?: number } = {}): string {
  const { maxForS } = opts;
  if (maxForS !== undefined && !(Number.isFinite(maxForS) && maxForS >= 0))
    throw new RangeError(`renderRules: maxForS must be a number of seconds >= 0, not ${maxForS}`);
  checkGroupNames(files);
  const maxMs = maxForS === undefined ? undefined : Math.round(maxForS * 1000);
  const groups = files.flatMap((f) =>
    f.groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) => {
        const out: Record<string, unknown> = { ...r };
        for (const key of ['for', 'keep_firing_for'] as const) {
          const v = capped(r[key], maxMs);
          if (v !== undefined) out[key] = v;
        }
        return out;
      }),
    })),
  );
  const header = [
    '# Generated by ha-drill (src/monitoring/rules.ts renderRules) from:',
    ...files.map((f) => `#   ${shown(f.file)}`),
    maxMs === undefined
      ? '# Every rule as written.'
      : `# Every \`for\` and \`keep_firing_for\` longer than ${formatPromDuration(maxMs)} is cut to ${formatPromDuration(maxMs)}.`,
  ];
  return `${header.join('\n')}\n${YAML.stringify({ groups }, { lineWidth: 0 })}`;
}
