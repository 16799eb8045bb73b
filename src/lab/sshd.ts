/**
 * A real OpenSSH sshd in every lab host, so the ssh target is proven against real ssh: one
 * generated ed25519 host key per host, one generated client key (root's only way in: no
 * passwords, no PAM), a known_hosts file listing every host key, and an sshd listening on the
 * host's namespace address only. Files live in `<stateDir>/ssh/` and `<stateDir>/<host>/`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findBinary } from '../util/paths.ts';
import type { LabConfig, LabHost } from './config.ts';
import { clusterHosts } from './config.ts';
import type { ComponentSpec } from './supervisor.ts';

export const SSH_PORT = 22;

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export interface LabSshFiles {
  readonly dir: string;
  /** The client's private key (public key next to it, `.pub`). */
  readonly clientKey: string;
  readonly authorizedKeys: string;
  readonly knownHosts: string;
}

export const labSshFiles = (cfg: LabConfig): LabSshFiles => {
  const dir = path.join(cfg.stateDir, 'ssh');
  return {
    dir,
    clientKey: path.join(dir, 'id_ed25519'),
    authorizedKeys: path.join(dir, 'authorized_keys'),
    knownHosts: path.join(dir, 'known_hosts'),
  };
};

export const hostKeyPath = (cfg: LabConfig, h: LabHost): string =>
  path.join(cfg.stateDir, h.name, 'ssh_host_ed25519_key');

/**
 * The home of root's ssh sessions on one lab host, empty: a VM's root does not have the harness
 * machine's dotfiles. sshd runs every command through the user's login shell (`bash -c`), and
 * bash run by sshd sources ~/.bashrc even when not interactive (bash shell.c run_startup_files,
 * SSH_SOURCE_BASHRC, on in Debian's build). This machine's /root/.bashrc runs `pyenv init`, whose
 * `pyenv rehash` takes a machine-wide lock and waits up to 60 s for it (pyenv-rehash,
 * PYENV_REHASH_TIMEOUT): the ssh VIP probe's reads (one command per LB every 100 ms, 1 s timeout)
 * piled up behind it, a killed rehash left its lock behind, and the machine ran a hundred waiting
 * shells (load 56) until the drills' verify timed out (the intermittent ssh lab failure).
 */
export const sessionHome = (cfg: LabConfig, h: LabHost): string => path.join(cfg.stateDir, h.name, 'home');

function keygen(file: string, comment: string): void {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** The known_hosts line of one host: `addr keytype key` (port 22, so no brackets). */
export const knownHostsLine = (h: LabHost, publicKey: string): string => {
  const [type, key] = publicKey.trim().split(/\s+/);
  return `${h.ip} ${type} ${key}`;
};

/** Generates what is missing (keys, authorized_keys, known_hosts); idempotent. */
export function ensureLabSsh(cfg: LabConfig): LabSshFiles {
  const f = labSshFiles(cfg);
  fs.mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  keygen(f.clientKey, `ha-drill-lab-client@${cfg.prefix}`);
  fs.writeFileSync(f.authorizedKeys, fs.readFileSync(`${f.clientKey}.pub`, 'utf8'), { mode: 0o600 });
  const lines: string[] = [];
  for (const h of clusterHosts(cfg)) {
    keygen(hostKeyPath(cfg, h), `${h.name}@${cfg.prefix}-lab`);
    lines.push(knownHostsLine(h, fs.readFileSync(`${hostKeyPath(cfg, h)}.pub`, 'utf8')));
  }
  fs.writeFileSync(f.knownHosts, `${lines.join('\n')}\n`);
  // sshd's privilege separation directory.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  return f;
}

export function sshdConfig(cfg: LabConfig, h: LabHost, files: LabSshFiles): string {
  return [
    '# ha-drill lab: sshd of one lab host, on its namespace address only; key login for root only.',
    `ListenAddress ${h.ip}:${SSH_PORT}`,
    `HostKey ${hostKeyPath(cfg, h)}`,
    `PidFile ${path.join(cfg.stateDir, h.name, 'sshd-main.pid')}`,
    `AuthorizedKeysFile ${files.authorizedKeys}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The lab's state dir is the project's; its modes are not sshd's business here.
    'StrictModes no',
    'MaxSessions 32',
    'MaxStartups 64:30:128',
    'ClientAliveInterval 5',
    'LogLevel ERROR',
    'PrintMotd no',
    'AcceptEnv LANG LC_*',
    // Applied after sshd sets HOME from the password entry, replacing it (openssh-portable
    // session.c do_setup_env: options.setenv through child_set_env, which replaces a variable).
    `SetEnv HOME=${sessionHome(cfg, h)}`,
    '',
  ].join('\n');
}

export function sshdSpec(cfg: LabConfig, h: LabHost, files: LabSshFiles): ComponentSpec {
  const conf = path.join(cfg.stateDir, h.name, 'sshd_config');
  fs.mkdirSync(path.dirname(conf), { recursive: true });
  fs.mkdirSync(sessionHome(cfg, h), { recursive: true, mode: 0o700 });
  fs.writeFileSync(conf, sshdConfig(cfg, h, files));
  // sshd re-executes itself and insists on an absolute path. Its setproctitle overwrites the
  // environment block, where the supervisor's marker lives, so a shell that keeps the marker is
  // the supervised process and sshd its child, killed with it (parent-death signal).
  const sshd = findBinary('sshd') ?? '/usr/sbin/sshd';
  const cmd = ['setpriv', '--pdeathsig', 'KILL', '--', sshd, '-D', '-e', '-f', conf].map(q).join(' ');
  return { host: h.name, netns: h.netns, name: 'sshd', argv: ['sh', '-c', `${cmd}; exit $?`] };
}
