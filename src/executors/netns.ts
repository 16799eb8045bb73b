/**
 * Lab host executor: runs a command inside a lab host's network namespace with `ip netns exec`.
 * The host's filesystem and process table are the machine's own; only the network differs.
 * The host `local` is the root namespace (the lab bridge, host-side links).
 */
import { runLocal } from './local.ts';
import { type ExecOptions, type ExecResult, type Executor, LOCAL_HOST } from './types.ts';

export class NetnsExecutor implements Executor {
  readonly kind = 'netns' as const;
  constructor(private readonly netnsByHost: ReadonlyMap<string, string>) {}

  hosts(): readonly string[] {
    return [...this.netnsByHost.keys(), LOCAL_HOST];
  }

  netnsOf(host: string): string {
    const ns = this.netnsByHost.get(host);
    if (!ns)
      throw new Error(
        `unknown lab host '${host}': known hosts are ${[...this.netnsByHost.keys()].join(', ')}`,
      );
    return ns;
  }

  exec(host: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (host === LOCAL_HOST) return runLocal(argv, { ...opts, host });
    const ns = this.netnsOf(host);
    return runLocal(['ip', 'netns', 'exec', ns, ...argv], { ...opts, host }).then((r) => ({ ...r, argv }));
  }

  async close(): Promise<void> {}
}
