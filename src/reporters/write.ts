/**
 * Writing the five report files of a run or suite into one directory:
 * `junit.xml`, `report.json`, `report.md`, `report.html`, `timeline.jsonl`.
 * The caller passes the directory (see `reportDirFor` for the `reports/<UTC timestamp>-<scenario>`
 * convention); reporters only render the read-only result model.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DrillResult } from '../model/result.ts';
import { toTimelineJsonl } from '../timeline/jsonl.ts';
import { reportDirName } from './format.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { type JUnitOptions, writeJUnit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

export interface ReportFiles {
  readonly dir: string;
  readonly junit: string;
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
  readonly timeline: string;
}

export function reportDirFor(root: string, result: DrillResult): string {
  const name = result.kind === 'suite' ? result.meta.name : result.meta.scenario;
  return path.join(root, reportDirName(result.meta.startedAt, name));
}

/** The timeline of a run, or of every run of a suite tagged with `run: <scenario>`. */
export function timelineJsonlOf(result: DrillResult): string {
  if (result.kind === 'run') return toTimelineJsonl(result.timeline);
  return toTimelineJsonl(result.runs.flatMap((r) => r.timeline.map((e) => ({ ...e, run: r.meta.scenario }))));
}

export async function writeReports(
  dir: string,
  result: DrillResult,
  junit: JUnitOptions = {},
): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true });
  const files: ReportFiles = {
    dir,
    junit: path.join(dir, 'junit.xml'),
    json: path.join(dir, 'report.json'),
    markdown: path.join(dir, 'report.md'),
    html: path.join(dir, 'report.html'),
    timeline: path.join(dir, 'timeline.jsonl'),
  };
  // Raw timeline first: it is the evidence, even if a renderer fails later.
  await writeFile(files.timeline, timelineJsonlOf(result));
  await writeFile(files.json, renderJson(result));
  await writeFile(files.markdown, renderMarkdown(result));
  await writeFile(files.html, renderHtml(result));
  await writeJUnit(result, files.junit, junit);
  return files;
}
