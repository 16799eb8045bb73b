/**
 * The host executor: the one small interface every target implements to run a command on one of
 * its hosts (lab: `ip netns exec`; kind: `docker exec`; ssh: ssh2). Faults, heals and profile
 * actions only ever go through it, so a heal never needs the Kubernetes API.
 */
/** The harness machine itself, a host every executor accepts. */
export const LOCAL_HOST = 'local';

export interface ExecOptions {
  /** Kill the command after this many ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Standard input for the command. */
  readonly input?: string;
}

/** The outcome of one command: an operation result, returned rather than thrown. */
export interface ExecResult {
  readonly host: string;
  readonly argv: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

export interface Executor {
  readonly kind: 'netns' | 'docker' | 'ssh' | 'local';
  /** Hosts this executor can reach, by short name. */
  hosts(): readonly string[];
  /** Runs argv on `host` (no shell unless argv asks for one); never throws for a non-zero exit. */
  exec(host: string, argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Releases connections; idempotent. */
  close(): Promise<void>;
}

/** Runs a shell script on a host: `sh -c SCRIPT`. */
export const sh = (ex: Executor, host: string, script: string, opts?: ExecOptions): Promise<ExecResult> =>
  ex.exec(host, ['sh', '-c', script], opts);

/** Throws with the command's output when it failed; returns stdout otherwise. */
export function check(res: ExecResult): string {
  if (res.code === 0) return res.stdout;
  const why = res.timedOut ? 'timed out' : `exited ${res.code}`;
  throw new CommandError(
    `${res.host}: '${res.argv.join(' ')}' ${why}: ${res.stderr.trim() || res.stdout.trim()}`,
    res,
  );
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly result: ExecResult,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface SshHost {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** Private key file; without it the ssh agent ($SSH_AUTH_SOCK) is used. */
  readonly keyPath?: string;
  /** Run commands through `sudo -n` (passwordless sudo on the host). */
  readonly sudo: boolean;
  readonly knownHostsPath: string;
}
