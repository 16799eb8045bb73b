/**
 * The files an ssh inventory names, checked when it is loaded and before any connection: each
 * host's private key (readable, a private key ssh2 can parse, decrypted with the passphrase from
 * $HADRILL_SSH_KEY_PASSPHRASE when encrypted), its known_hosts (readable; no `@cert-authority`
 * line, which the harness does not verify), and the kubeconfig (readable; its server found unless
 * api.url is set). Every problem names
 * the file and what to do; none of them quotes a file's content.
 */
import fs from 'node:fs';
import ssh2 from 'ssh2';
import { PASSPHRASE_ENV } from '../executors/ssh.ts';
import { UserError } from '../util/errors.ts';
import type { Inventory } from './inventory.ts';
import { kubeconfigServer } from './ssh.ts';

export interface FileCheckOptions {
  /** Host keys are not checked (--insecure-ignore-host-keys): known_hosts is not needed. */
  readonly insecureIgnoreHostKeys?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

function read(file: string): Buffer | string {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
}

/** What is wrong with a private key file, or undefined when ssh2 can use it. */
export function keyProblem(file: string, passphrase: string | undefined): string | undefined {
  const data = read(file);
  if (typeof data === 'string')
    return `key ${file} cannot be read (${data}): fix the path or set agent: true`;
  const key = ssh2.utils.parseKey(data, passphrase);
  if (key instanceof Error) {
    if (/no passphrase given/i.test(key.message))
      return `key ${file} is encrypted: put its passphrase in $${PASSPHRASE_ENV}, or load it into ssh-agent ('ssh-add ${file}'), remove 'key' and set agent: true`;
    if (/passphrase/i.test(key.message))
      return `key ${file}: the passphrase in $${PASSPHRASE_ENV} does not decrypt it: set the right one`;
    return `key ${file} is not a private key ssh can use (${key.message}): name the private key file (not the .pub)`;
  }
  const first = Array.isArray(key) ? key[0] : key;
  if (!first?.isPrivateKey()) return `key ${file} is a public key: name the private key file (without .pub)`;
  return undefined;
}

/** What is wrong with a known_hosts file, or undefined. */
export function knownHostsProblem(file: string): string | undefined {
  const data = read(file);
  if (typeof data === 'string')
    return `known_hosts ${file} cannot be read (${data}): set knownHosts in the inventory to an existing file (fill it with 'ssh-keyscan'), or run with --insecure-ignore-host-keys (reported)`;
  const lines = data
    .toString('utf8')
    .split('\n')
    .flatMap((l, i) => (/^\s*@cert-authority\s/.test(l) ? [i + 1] : []));
  if (lines.length > 0)
    return `known_hosts ${file}: @cert-authority (line ${lines.join(', ')}) is not supported: host certificates are not verified by the harness; list the hosts' keys instead ('ssh-keyscan HOST >> ${file}')`;
  return undefined;
}

/** Checks every file the inventory names; one UserError (exit 2) listing every problem. */
export function checkInventoryFiles(inv: Inventory, o: FileCheckOptions = {}): void {
  const passphrase = (o.env ?? process.env)[PASSPHRASE_ENV] || undefined;
  const problems = new Set<string>();
  for (const h of inv.hosts) {
    const key = h.keyPath && keyProblem(h.keyPath, passphrase);
    if (key) problems.add(key);
    const kh = !o.insecureIgnoreHostKeys && knownHostsProblem(h.knownHostsPath);
    if (kh) problems.add(kh);
  }
  const kc = read(inv.kubeconfig);
  if (typeof kc === 'string')
    problems.add(`kubeconfig ${inv.kubeconfig} cannot be read (${kc}): fix 'kubeconfig' in the inventory`);
  else if (!inv.api.url) {
    try {
      kubeconfigServer(kc.toString('utf8'), inv.kubeconfig, inv.context);
    } catch (err) {
      problems.add((err as Error).message);
    }
  }
  if (problems.size > 0)
    throw new UserError(
      `inventory ${inv.file}: files it names are not usable:\n  ${[...problems].join('\n  ')}`,
    );
}
