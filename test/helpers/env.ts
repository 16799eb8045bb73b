/**
 * The environment for a process a test starts (a CLI, our apiserver, a component): this process's
 * environment without tap's NODE_OPTIONS, whose loader hooks cost every Node child ~150 ms of CPU
 * and are not part of how the harness or the lab runs it.
 */
export function withoutTapHooks(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _tapHooks, ...env } = base;
  return env;
}

/**
 * `argv` run through `env -u NODE_OPTIONS`: tap's processinfo hook patches child_process in the
 * test process and puts its own `--import` back into NODE_OPTIONS of every child it spawns,
 * whatever env the spawn was given (about 1 s of CPU per Node child, for coverage this project
 * disables). `env` removes it and execs the command, so the child's pid is the command's own.
 */
export const untracked = (argv: readonly string[]): [string, ...string[]] => [
  'env',
  '-u',
  'NODE_OPTIONS',
  ...argv,
];
