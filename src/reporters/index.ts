/**
 * Reporters: optional hooks (onRunStart, onEvent, onPhase, onRunEnd, onSuiteEnd) over one event
 * stream and one read-only result model. Renderers: JUnit XML (mocha + mocha-junit-reporter),
 * report.json, report.md, report.html (inline SVG timeline), timeline.jsonl; `writeReports`
 * writes all five; `LiveReporter` is the terminal view; `findPreviousRun` reads history.
 */
export * from './event-text.ts';
export * from './format.ts';
export * from './history-store.ts';
export * from './html.ts';
export * from './hub.ts';
export * from './json.ts';
export * from './junit.ts';
export * from './live.ts';
export * from './markdown.ts';
export * from './types.ts';
export * from './write.ts';
