/**
 * Reading earlier runs of a scenario on a target from `reports/`: every `report.json` (a run, or
 * a suite containing that scenario) with its start time, directory, recorded configuration and
 * measurements. Choosing which one to compare with is pure (src/analysis/history.ts). Unreadable
 * or foreign files are skipped, never fatal.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PreviousRun, RunConfig } from '../analysis/history.ts';

interface RunLike {
  readonly meta?: {
    readonly scenario?: string;
    readonly target?: string;
    readonly startedAt?: string;
    readonly config?: unknown;
  };
  readonly measurements?: PreviousRun['measurements'];
}

export interface PreviousQuery {
  readonly scenario: string;
  readonly target: string;
}

/** Earlier runs of `q.scenario` on `q.target` under `root`, newest first. */
export async function findPreviousRuns(root: string, q: PreviousQuery): Promise<PreviousRun[]> {
  let dirs: string[];
  try {
    dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const found: PreviousRun[] = [];
  for (const d of dirs) {
    let doc: { kind?: string; runs?: RunLike[] } & RunLike;
    try {
      doc = JSON.parse(await readFile(path.join(root, d, 'report.json'), 'utf8'));
    } catch {
      continue;
    }
    const runs: RunLike[] = doc.kind === 'suite' ? (doc.runs ?? []) : [doc];
    for (const r of runs) {
      const started = r.meta?.startedAt;
      if (r.meta?.scenario !== q.scenario || r.meta?.target !== q.target) continue;
      if (typeof started !== 'string' || !Array.isArray(r.measurements)) continue;
      found.push({
        scenario: q.scenario,
        target: q.target,
        startedAt: started,
        dir: path.join(root, d),
        config: asConfig(r.meta.config),
        measurements: r.measurements,
      });
    }
  }
  return found.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/** A recorded configuration, or null when absent or not of the expected shape. */
function asConfig(v: unknown): RunConfig | null {
  if (typeof v !== 'object' || v === null) return null;
  const c = v as Record<string, unknown>;
  const record = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (typeof c.fingerprint !== 'string' || !record(c.timings) || !record(c.options)) return null;
  if (c.preset !== null && typeof c.preset !== 'string') return null;
  return c as unknown as RunConfig;
}
