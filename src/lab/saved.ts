/** The running lab's saved config (`<stateDir>/lab.json`): what a drill or a CLI command attaches to. */
import fs from 'node:fs';
import path from 'node:path';
import { TargetError } from '../util/errors.ts';
import type { LabConfig } from './config.ts';
import { defaultStateDir } from './config.ts';

export const SAVED = 'lab.json';

export function savedConfig(stateDir = defaultStateDir()): LabConfig | undefined {
  const f = path.join(stateDir, SAVED);
  if (!fs.existsSync(f)) return undefined;
  return JSON.parse(fs.readFileSync(f, 'utf8')) as LabConfig;
}

/** The running lab's config, or a TargetError saying how to bring one up. */
export function requireLab(stateDir = defaultStateDir()): LabConfig {
  const cfg = savedConfig(stateDir);
  if (!cfg) throw new TargetError(`no lab is up (nothing in ${stateDir}): run 'npm run lab -- up' first`);
  return cfg;
}
