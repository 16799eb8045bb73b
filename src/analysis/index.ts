/**
 * Analysis: pure functions from a timeline (plus context: scenario, SLOs, target timings) to
 * Measurements with verdicts and expected windows; findings; repetition statistics; history
 * deltas. No I/O, no clock: tested with synthetic timelines.
 */
export * from './analyze.ts';
export * from './availability.ts';
export * from './expected.ts';
export * from './fault.ts';
export * from './findings.ts';
export * from './history.ts';
export * from './lab-timings.ts';
export * from './stats.ts';
export * from './types.ts';
export * from './verdict.ts';
