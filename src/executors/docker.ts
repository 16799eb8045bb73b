/**
 * Docker executor (kind node containers): `docker exec [-i] CONTAINER argv...` through zx, so
 * argv is passed without a shell on the harness side. The host `local` runs on the harness
 * machine (where `docker kill`/`start` and `docker network disconnect`/`connect` of the kind load
 * balancer run).
 */
import { runLocal } from './local.ts';
import { type ExecOptions, type ExecResult, type Executor, LOCAL_HOST } from './types.ts';

/** Runs argv on the harness machine; injectable so a test can stand in for docker. */
export type LocalRunner = (
  argv: readonly string[],
  opts?: ExecOptions & { host?: string },
) => Promise<ExecResult>;

export class DockerExecutor implements Executor {
  readonly kind = 'docker' as const;
  constructor(
    private readonly containers: readonly string[],
    private readonly run: LocalRunner = runLocal,
  ) {}

  hosts(): readonly string[] {
    return [...this.containers, LOCAL_HOST];
  }

  exec(host: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (host === LOCAL_HOST) return this.run(argv, { ...opts, host });
    if (!this.containers.includes(host)) {
      throw new Error(`unknown kind node '${host}': the cluster has ${this.containers.join(', ')}`);
    }
    const docker = ['docker', 'exec', ...(opts.input !== undefined ? ['-i'] : []), host, ...argv];
    return this.run(docker, { ...opts, host }).then((r) => ({ ...r, argv }));
  }

  async close(): Promise<void> {}
}
