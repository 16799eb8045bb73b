/**
 * What the ssh executor tells the user when it cannot connect: refused host keys (with the
 * fingerprint and how to check and add the key), authentication failures, unreachable hosts.
 */
import { createHash } from 'node:crypto';
import { type HostKeyVerdict, knownHostName } from './ssh-known-hosts.ts';
import type { SshHost } from './types.ts';

/** OpenSSH-style fingerprint of a public key blob. */
export const fingerprint = (blob: Buffer): string =>
  `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

/** What to tell the user when a host key is refused. */
export function hostKeyRefusal(h: SshHost, v: HostKeyVerdict, fp: string): string {
  const where = `${h.name} (${h.address}:${h.port})`;
  const scan = `ssh-keyscan -p ${h.port} ${h.address}`;
  switch (v.status) {
    case 'unknown':
      return `ssh ${where}: host key ${v.keyType} ${fp} is not in ${h.knownHostsPath}. Check the fingerprint out of band, then add it ('${scan} >> ${h.knownHostsPath}'), or run with --insecure-ignore-host-keys (reported)`;
    case 'changed':
      return `ssh ${where}: HOST KEY CHANGED: the server offers ${v.keyType} ${fp}, but ${h.knownHostsPath} lists another key for ${knownHostName(h.address, h.port)} (line ${v.listed.map((e) => e.line).join(', ')}). Someone may be intercepting, or the host was rebuilt: verify, then replace the entry`;
    case 'revoked':
      return `ssh ${where}: host key ${v.keyType} ${fp} is marked @revoked in ${h.knownHostsPath} (line ${v.line}): refusing`;
    case 'known':
      return '';
  }
}

export function describeConnectError(h: SshHost, err: Error): string {
  const where = `ssh ${h.user}@${h.address}:${h.port} (${h.name})`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return `${where}: connection refused: is sshd running and listening there?`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${where}: host unreachable (${code})`;
  if (/authentication methods failed/i.test(err.message)) {
    return `${where}: authentication failed for user '${h.user}' with ${h.keyPath ? `key ${h.keyPath}` : 'the ssh agent'}: check the user and that the public key is in its authorized_keys`;
  }
  if (/timed out/i.test(err.message)) return `${where}: timed out while connecting or in the handshake`;
  return `${where}: ${err.message}`;
}
