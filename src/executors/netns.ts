/**
 * Lab host executor: runs a command inside a lab host's network namespace with `ip netns exec`.
 * The host's filesystem and process table are the machine's own; only the network differs.
 */
import { runLocal } from './local.ts';
import type { ExecOptions, ExecResult, Executor } from './types.ts';

export class NetnsExecutor implements Executor {
  readonly kind = 'netns' as const;
  constructor(private readonly netnsByHost: ReadonlyMap<string, string>) {}

  hosts(): readonly string[] {
    return [...this.netnsByHost.keys()];
  }

  netnsOf(host: string): string {
    const ns = this.netnsByHost.get(host);
    if (!ns) throw new Error(`unknown lab host '${host}': known hosts are ${this.hosts().join(', ')}`);
    return ns;
  }

  exec(host: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const ns = this.netnsOf(host);
    return runLocal(['ip', 'netns', 'exec', ns, ...argv], { ...opts, host }).then((r) => ({ ...r, argv }));
  }

  async close(): Promise<void> {}
}
