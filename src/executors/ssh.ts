/**
 * ssh executor (ssh2) for VM hosts: one connection per host, reused by every command and
 * reopened after it drops; a session limit per host below OpenSSH's MaxSessions; per-command
 * timeouts; `sudo -n` when the host says so; argv single-quoted for the remote POSIX shell.
 * Host keys are checked against a known_hosts file: an unknown, changed or revoked key refuses
 * the connection (TargetError, exit 3) unless host-key checking was explicitly switched off.
 * The host `local` runs on the harness machine (zx), as with every executor.
 */
import fs from 'node:fs';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { TargetError } from '../util/errors.ts';
import { runLocal } from './local.ts';
import { knownKeyTypes, parseKnownHosts, verifyHostKey } from './ssh-known-hosts.ts';
import { describeConnectError, fingerprint, hostKeyRefusal } from './ssh-messages.ts';
import { type ExecOptions, type ExecResult, type Executor, LOCAL_HOST, type SshHost } from './types.ts';

export interface SshOptions {
  /** Accept any host key (loud: the target says so in its name and the report). */
  readonly insecureIgnoreHostKeys?: boolean;
  /** TCP connect + handshake timeout, ms (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Concurrent sessions per connection (default 8; OpenSSH MaxSessions is 10). */
  readonly maxSessions?: number;
  /** Injectable: a new ssh2 client (tests may substitute one). */
  readonly newClient?: () => Client;
  /** Injectable: the agent socket (default $SSH_AUTH_SOCK). */
  readonly agentSocket?: string;
}

/** The environment variable an encrypted private key's passphrase is read from. */
export const PASSPHRASE_ENV = 'HADRILL_SSH_KEY_PASSPHRASE';

/** POSIX single-quoting, safe for any byte string. */
export const shellQuote = (s: string): string =>
  /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;

/** The remote command line for argv, through `sudo -n --` when asked. */
export function remoteCommand(argv: readonly string[], sudo: boolean): string {
  if (argv.length === 0) throw new Error('empty argv');
  const cmd = argv.map(shellQuote).join(' ');
  return sudo ? `sudo -n -- ${cmd}` : cmd;
}

/**
 * The sessions open on one host's connection. A slot is held until the remote session has really
 * closed, not only until its command timed out here: a command killed at its timeout may still be
 * running on the host (a slow login shell, or the signal not honoured), and releasing its slot
 * early let a probe that reads every 100 ms pile up remote shells on a host that was slow to start
 * them (the VIP probe did: a hundred shells on this machine, see src/lab/sshd.ts sessionHome).
 */
class Sessions {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  /** A slot, or undefined when none came free within waitMs; the release is idempotent. */
  async acquire(waitMs: number): Promise<(() => void) | undefined> {
    if (this.active >= this.max) {
      let wake: (() => void) | undefined;
      const freed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), Math.max(0, waitMs));
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        this.waiting.push(wake);
      });
      if (!freed) {
        this.waiting.splice(this.waiting.indexOf(wake!), 1);
        return undefined;
      }
    }
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.waiting.shift()?.();
    };
  }
  get inUse(): number {
    return this.active;
  }
}

export { fingerprint, hostKeyRefusal };

export class SshExecutor implements Executor {
  readonly kind = 'ssh' as const;
  private readonly byName: ReadonlyMap<string, SshHost>;
  private readonly conns = new Map<string, Promise<Client>>();
  private readonly sessions = new Map<string, Sessions>();
  /** Host keys accepted without verification (insecure mode), for the report. */
  readonly unverified: string[] = [];

  constructor(
    hosts: readonly SshHost[],
    private readonly opts: SshOptions = {},
  ) {
    this.byName = new Map(hosts.map((h) => [h.name, h]));
  }

  hosts(): readonly string[] {
    return [...this.byName.keys(), LOCAL_HOST];
  }

  private host(name: string): SshHost {
    const h = this.byName.get(name);
    if (!h)
      throw new Error(
        `unknown ssh host '${name}': the inventory lists ${[...this.byName.keys()].join(', ')}`,
      );
    return h;
  }

  /** Opens (or reuses) the connection to a host; throws TargetError saying what to fix. */
  connection(name: string): Promise<Client> {
    const cached = this.conns.get(name);
    if (cached) return cached;
    const p = this.connect(this.host(name));
    this.conns.set(name, p);
    p.then(
      (c) => c.once('close', () => this.conns.get(name) === p && this.conns.delete(name)),
      () => this.conns.get(name) === p && this.conns.delete(name),
    );
    return p;
  }

  private connect(h: SshHost): Promise<Client> {
    const insecure = this.opts.insecureIgnoreHostKeys === true;
    let entries: ReturnType<typeof parseKnownHosts> = [];
    if (!insecure) {
      try {
        entries = parseKnownHosts(fs.readFileSync(h.knownHostsPath, 'utf8'));
      } catch (err) {
        return Promise.reject(
          new TargetError(
            `ssh ${h.name}: cannot read known_hosts ${h.knownHostsPath} (${(err as Error).message}): set knownHosts in the inventory, or run with --insecure-ignore-host-keys (reported)`,
          ),
        );
      }
    }
    let refusal: string | undefined;
    const cfg: ConnectConfig = {
      host: h.address,
      port: h.port,
      username: h.user,
      readyTimeout: this.opts.connectTimeoutMs ?? 10_000,
      // A dead connection (the host's link went down) is closed within ~6 s and reopened by the
      // next command, instead of waiting out TCP's retransmission backoff.
      keepaliveInterval: 2000,
      keepaliveCountMax: 2,
      hostVerifier: (blob: Buffer) => {
        if (insecure) {
          this.unverified.push(`${h.name} ${fingerprint(blob)}`);
          return true;
        }
        const v = verifyHostKey(entries, h.address, h.port, blob);
        if (v.status === 'known') return true;
        refusal = hostKeyRefusal(h, v, fingerprint(blob));
        return false;
      },
    };
    const types = insecure ? [] : knownKeyTypes(entries, h.address, h.port);
    if (types.length > 0) {
      cfg.algorithms = { serverHostKey: types as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    }
    if (h.keyPath) {
      try {
        cfg.privateKey = fs.readFileSync(h.keyPath);
        // An encrypted key's passphrase (checked at load, targets/inventory-files.ts).
        const passphrase = process.env[PASSPHRASE_ENV];
        if (passphrase) cfg.passphrase = passphrase;
      } catch (err) {
        return Promise.reject(
          new TargetError(`ssh ${h.name}: cannot read key ${h.keyPath}: ${(err as Error).message}`),
        );
      }
    } else {
      const agent = this.opts.agentSocket ?? process.env.SSH_AUTH_SOCK;
      if (!agent)
        return Promise.reject(
          new TargetError(
            `ssh ${h.name}: no key path in the inventory and no ssh agent ($SSH_AUTH_SOCK unset): set 'key' for the host or start an agent`,
          ),
        );
      cfg.agent = agent;
    }
    const client = (this.opts.newClient ?? (() => new Client()))();
    return new Promise<Client>((resolve, reject) => {
      const onError = (err: Error) => {
        client.end();
        const why = refusal ?? describeConnectError(h, err);
        reject(new TargetError(why));
      };
      client.once('ready', () => {
        client.off('error', onError);
        client.on('error', () => {});
        resolve(client);
      });
      client.once('error', onError);
      client.connect(cfg);
    });
  }

  async exec(name: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (name === LOCAL_HOST) return runLocal(argv, { ...opts, host: name });
    const h = this.host(name);
    // The timeout is the command's whole time: connecting, waiting for a session slot, running.
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const started = performance.now();
    const left = () => timeoutMs - (performance.now() - started);
    const timedOut = (why: string): ExecResult => ({
      host: name,
      argv,
      code: 255,
      stdout: '',
      stderr: `ssh ${name}: ${why} within ${timeoutMs} ms\n`,
      timedOut: true,
      durationMs: performance.now() - started,
    });
    // Connecting counts against the command's timeout (a host whose link is down never answers);
    // connection errors (host key, authentication, refused) are thrown: the target is unusable.
    let timer: NodeJS.Timeout | undefined;
    const client = await Promise.race([
      this.connection(name),
      new Promise<undefined>((r) => {
        timer = setTimeout(() => r(undefined), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!client) return timedOut('no connection');
    let sessions = this.sessions.get(name);
    if (!sessions) {
      sessions = new Sessions(this.opts.maxSessions ?? 8);
      this.sessions.set(name, sessions);
    }
    const release = await sessions.acquire(left());
    if (!release) return timedOut(`no free session (${sessions.inUse} still open on the host)`);
    return runChannel(client, h, argv, { ...opts, timeoutMs: Math.max(1, left()) }, release);
  }

  /** Sessions this executor has open on a host (a timed-out command's until the host closes it). */
  openSessions(name: string): number {
    return this.sessions.get(name)?.inUse ?? 0;
  }

  async close(): Promise<void> {
    const conns = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(
      conns.map((p) =>
        p.then(
          (c) => c.end(),
          () => {},
        ),
      ),
    );
  }
}

/**
 * Runs one command on a session of its own; `release` frees the session slot once the session
 * is really gone: its channel closed, the server refused it, or the connection closed.
 */
function runChannel(
  client: Client,
  h: SshHost,
  argv: readonly string[],
  opts: ExecOptions,
  release: () => void,
): Promise<ExecResult> {
  const started = performance.now();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const base = { host: h.name, argv };
  const gone = () => {
    client.off('close', gone);
    release();
  };
  client.once('close', gone);
  return new Promise<ExecResult>((resolve) => {
    let settled = false;
    let stdout = '';
    let stderr = '';
    let channel: ClientChannel | undefined;
    const done = (r: Omit<ExecResult, 'host' | 'argv' | 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...base, ...r, durationMs: performance.now() - started });
    };
    const kill = (ch: ClientChannel) => {
      try {
        ch.signal('KILL');
      } catch {
        // the server may not accept signals; closing the channel is the fallback
      }
      ch.close();
    };
    // The timeout covers opening the session too: a host whose link is down never answers.
    const timer = setTimeout(() => {
      if (channel) kill(channel);
      done({
        code: 124,
        stdout,
        stderr: `${stderr}ssh ${h.name}: timed out after ${timeoutMs} ms\n`,
        timedOut: true,
      });
    }, timeoutMs);
    client.exec(remoteCommand(argv, h.sudo), (err, ch) => {
      if (err) {
        gone();
        done({
          code: 255,
          stdout: '',
          stderr: `ssh ${h.name}: cannot open a session: ${err.message}`,
          timedOut: false,
        });
        return;
      }
      ch.once('close', gone);
      if (settled) {
        kill(ch);
        return;
      }
      channel = ch;
      let code: number | null = null;
      ch.on('data', (d: Buffer) => {
        stdout += d.toString('utf8');
      });
      ch.stderr.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
      });
      ch.on('exit', (c: number | null, signal?: string) => {
        code = c ?? (signal ? 128 + (SIGNALS[signal] ?? 1) : 255);
      });
      ch.on('close', () =>
        done({
          code: code ?? 255,
          stdout,
          stderr:
            code === null ? `${stderr}ssh ${h.name}: connection lost before the command exited\n` : stderr,
          timedOut: false,
        }),
      );
      ch.end(opts.input ?? '');
    });
  });
}

const SIGNALS: Readonly<Record<string, number>> = { HUP: 1, INT: 2, KILL: 9, TERM: 15 };
