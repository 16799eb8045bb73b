/**
 * The drill's flags that depend on each other, checked before anything is opened: the target
 * kind, the flags that only one target takes, the flags a dry run or `recover` would ignore, and
 * the report directory (writable, or creatable; nothing is created here). Each refusal names
 * the flag and what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.ts';
import { MONITORING_FLAGS } from './monitoring-flags.ts';

export const TARGET_KINDS = ['lab', 'ssh', 'kind'] as const;

/** Flags only one target kind takes. */
const TARGET_FLAGS: Readonly<Record<string, (typeof TARGET_KINDS)[number]>> = {
  'lab-preset': 'lab',
  'keep-lab': 'lab',
  inventory: 'ssh',
  'insecure-ignore-host-keys': 'ssh',
  cluster: 'kind',
  create: 'kind',
};

/** Flags of a drill run that a dry run (which runs nothing and writes no report) would ignore. */
const RUN_ONLY = [
  'report-dir',
  'gate',
  'gate-fidelity',
  'json',
  'keep-lab',
  'repeat',
  'deadline',
  'load',
  'baseline',
  ...MONITORING_FLAGS,
];

/** The flags `recover` takes: it replays the journal on the targets recorded there. */
const RECOVER_FLAGS = ['insecure-ignore-host-keys'];

const refuse = (flags: readonly string[], why: string): void => {
  if (flags.length > 0) throw new UserError(`--${flags.join(', --')} ${why}`);
};

export function checkTargetFlags(kind: string, given: ReadonlySet<string>): void {
  if (!(TARGET_KINDS as readonly string[]).includes(kind))
    throw new UserError(`--target ${kind}: unknown target; use ${TARGET_KINDS.join(', ')}`);
  for (const k of TARGET_KINDS) {
    if (k === kind) continue;
    const other = [...given].filter((f) => TARGET_FLAGS[f] === k);
    refuse(
      other,
      `only appl${other.length > 1 ? 'y' : 'ies'} to --target ${k} (this is --target ${kind}): drop it or use --target ${k}`,
    );
  }
}

export function checkDryRunFlags(given: ReadonlySet<string>): void {
  const ignored = RUN_ONLY.filter((f) => given.has(f));
  refuse(
    ignored,
    'would be ignored by --dry-run (it runs nothing and writes no report): drop it, or drop --dry-run',
  );
}

export function checkRecoverFlags(given: ReadonlySet<string>, positionals: readonly string[]): void {
  if (positionals.length > 1)
    throw new UserError(
      `recover takes no scenario (got ${positionals.slice(1).join(', ')}): run 'npm run drill -- recover'`,
    );
  refuse(
    [...given].filter((f) => !RECOVER_FLAGS.includes(f)),
    "does not apply to recover (it heals the targets the journal records): run 'npm run drill -- recover' alone",
  );
}

/**
 * The report directory: an existing writable directory, or one that can be created (its nearest
 * existing ancestor is a writable directory). Checked before the drill, so a drill never runs
 * for nothing.
 */
export function checkReportDir(dir: string): void {
  const abs = path.resolve(dir);
  let p = abs;
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p, { throwIfNoEntry: false });
    } catch {
      st = undefined; // ENOTDIR: a file on the way; its ancestor says which
    }
    if (st) {
      if (!st.isDirectory())
        throw new UserError(
          `--report-dir ${dir}: ${p === abs ? 'it' : p} is not a directory: choose a directory for the reports`,
        );
      try {
        fs.accessSync(p, fs.constants.W_OK | fs.constants.X_OK);
      } catch {
        throw new UserError(`--report-dir ${dir}: ${p} is not writable: choose a directory you can write to`);
      }
      return;
    }
    const up = path.dirname(p);
    if (up === p) return;
    p = up;
  }
}
