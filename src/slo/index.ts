/**
 * SLOs as data: per-scenario defaults, the drill config file (YAML, zod-validated, with
 * per-scenario overrides and allowedContexts), `--slo` flag parsing, and the merge of the three.
 */
export * from './config.ts';
export * from './defaults.ts';
export * from './parse.ts';
export * from './resolve.ts';
export * from './types.ts';
