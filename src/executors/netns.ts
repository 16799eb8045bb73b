/**
 * Lab host executor: runs a command inside a lab host, by the argv prefix the lab gives for it
 * (`nsenter --target <pid> --net --mount --uts --`: the host's network, its own node paths and
 * hostname; see src/lab/host.ts). The process table and the rest of the filesystem are the
 * machine's own. The host `local` is the root namespace (the lab bridge, host-side links).
 */
import { runLocal } from './local.ts';
import { type ExecOptions, type ExecResult, type Executor, LOCAL_HOST } from './types.ts';

export class NetnsExecutor implements Executor {
  readonly kind = 'netns' as const;
  /** `enter(host)` is the argv prefix that runs a command in that host (read at each call). */
  constructor(
    private readonly labHosts: readonly string[],
    private readonly enter: (host: string) => readonly string[],
  ) {}

  hosts(): readonly string[] {
    return [...this.labHosts, LOCAL_HOST];
  }

  /** The argv prefix for `host`; an unknown host is an error naming the known ones. */
  prefixOf(host: string): readonly string[] {
    if (!this.labHosts.includes(host))
      throw new Error(`unknown lab host '${host}': known hosts are ${this.labHosts.join(', ')}`);
    return this.enter(host);
  }

  async exec(host: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (host === LOCAL_HOST) return runLocal(argv, { ...opts, host });
    const prefix = this.prefixOf(host);
    return runLocal([...prefix, ...argv], { ...opts, host }).then((r) => ({ ...r, argv }));
  }

  async close(): Promise<void> {}
}
