/**
 * Timeline: one monotonic clock per run, a discriminated union of events (probes, faults, runner),
 * a recorder with subscribe hooks, and the `timeline.jsonl` serializer/parser.
 */
export * from './clock.ts';
export * from './events.ts';
export * from './jsonl.ts';
export * from './recorder.ts';
