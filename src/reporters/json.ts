/**
 * `report.json`: the result model as JSON, minus the raw timeline (that is `timeline.jsonl`),
 * with a schema tag so the history comparison can read older reports.
 */
import type { DrillResult, RunResult } from '../model/result.ts';

export const REPORT_SCHEMA = 'ha-drill/report@1';

function runJson(run: RunResult): Record<string, unknown> {
  const { timeline, ...rest } = run;
  return { ...rest, timelineFile: 'timeline.jsonl', eventCount: timeline.length };
}

export function renderJson(result: DrillResult): string {
  const body =
    result.kind === 'suite'
      ? { schema: REPORT_SCHEMA, ...result, runs: result.runs.map(runJson) }
      : { schema: REPORT_SCHEMA, ...runJson(result) };
  return `${JSON.stringify(body, null, 2)}\n`;
}
