/**
 * Finding the previous run of the same scenario and target under `reports/`: the newest
 * `report.json` (a run, or a suite containing that scenario) started before this run. Unreadable
 * or foreign files are skipped, never fatal.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PreviousRun } from '../analysis/history.ts';

interface RunLike {
  readonly meta?: { readonly scenario?: string; readonly target?: string; readonly startedAt?: string };
  readonly measurements?: PreviousRun['measurements'];
}

export interface PreviousQuery {
  readonly scenario: string;
  readonly target: string;
  /** Only runs started strictly before this ISO time. */
  readonly before?: string;
}

export async function findPreviousRun(root: string, q: PreviousQuery): Promise<PreviousRun | undefined> {
  let dirs: string[];
  try {
    dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return undefined;
  }
  let best: PreviousRun | undefined;
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
      if (r.meta?.scenario !== q.scenario || r.meta?.target !== q.target || !started || !r.measurements)
        continue;
      if (q.before && !(started < q.before)) continue;
      if (!best || started > best.startedAt) {
        best = { startedAt: started, dir: path.join(root, d), measurements: r.measurements };
      }
    }
  }
  return best;
}
