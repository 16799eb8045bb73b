/**
 * The environment for a process a test starts (a CLI, our apiserver, a component): this process's
 * environment without tap's NODE_OPTIONS, whose loader hooks cost every Node child ~150 ms of CPU
 * and are not part of how the harness or the lab runs it.
 */
export function withoutTapHooks(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _tapHooks, ...env } = base;
  return env;
}
