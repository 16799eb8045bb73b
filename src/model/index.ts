/**
 * The result model: one read-only value per run (and per suite) that every reporter renders.
 * `buildRunResult` runs the analysis, derives phases/fault/findings/history, computes the
 * combined verdict, redacts secrets and freezes the result.
 */
export * from './build.ts';
export * from './exit.ts';
export * from './redact.ts';
export * from './result.ts';
