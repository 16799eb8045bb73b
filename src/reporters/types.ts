/**
 * The reporter contract: optional hooks (onRunStart, onEvent, onPhase, onRunEnd) over one event
 * stream and one read-only result model. Reporters only render; they never compute verdicts.
 *
 * The folder: JUnit XML (mocha + mocha-junit-reporter), report.json, report.md, report.html
 * (inline SVG timeline), timeline.jsonl; `writeReports` writes all five; `LiveReporter` is the
 * terminal view; `findPreviousRuns` reads history.
 */
import type { RunResult } from '../model/result.ts';
import type { EventOf, TimelineEvent } from '../timeline/events.ts';

export interface RunStartInfo {
  readonly scenario: string;
  readonly target: string;
  readonly preset?: string;
  readonly startedAt: string;
}

export interface Reporter {
  readonly name: string;
  onRunStart?(info: RunStartInfo): void | Promise<void>;
  onEvent?(event: TimelineEvent): void;
  onPhase?(event: EventOf<'phase'>): void;
  onRunEnd?(result: RunResult): void | Promise<void>;
}
