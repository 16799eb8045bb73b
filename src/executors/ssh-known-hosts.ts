/**
 * OpenSSH known_hosts, parsed and checked as pure functions: plain and hashed (`|1|salt|hash`)
 * host patterns, `[host]:port` for non-22 ports, `@revoked` markers. A host key is `known`
 * (a listed key matches), `changed` (keys are listed for the host, none matches: refuse, as
 * OpenSSH does), `revoked`, or `unknown` (nothing listed for the host).
 */
import { createHmac } from 'node:crypto';

export interface KnownHostEntry {
  readonly marker?: '@revoked' | '@cert-authority';
  /** Comma-separated patterns, or one hashed pattern. */
  readonly patterns: readonly string[];
  readonly keyType: string;
  /** Base64 of the public key blob. */
  readonly key: string;
  readonly line: number;
}

export type HostKeyVerdict =
  | { readonly status: 'known'; readonly keyType: string; readonly line: number }
  | { readonly status: 'changed'; readonly keyType: string; readonly listed: readonly KnownHostEntry[] }
  | { readonly status: 'revoked'; readonly keyType: string; readonly line: number }
  | { readonly status: 'unknown'; readonly keyType: string };

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields.shift() as KnownHostEntry['marker'];
    }
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key) return;
    out.push({ marker, patterns: hosts.split(','), keyType, key, line: i + 1 });
  });
  return out;
}

/** The name OpenSSH looks up: `addr` on port 22, `[addr]:port` otherwise. */
export const knownHostName = (address: string, port: number): string =>
  port === 22 ? address : `[${address}]:${port}`;

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(name);
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const h = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return h === hash;
  }
  return globMatch(pattern, name);
}

/** True when the entry's patterns select `name` (negated `!pattern` entries exclude). */
export function entryMatches(e: KnownHostEntry, name: string): boolean {
  let hit = false;
  for (const p of e.patterns) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), name)) return false;
    } else if (patternMatches(p, name)) hit = true;
  }
  return hit;
}

/** The key type inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString('ascii');
}

export function verifyHostKey(
  entries: readonly KnownHostEntry[],
  address: string,
  port: number,
  blob: Buffer,
): HostKeyVerdict {
  const name = knownHostName(address, port);
  const key = blob.toString('base64');
  const keyType = keyTypeOfBlob(blob);
  const forHost = entries.filter((e) => e.marker !== '@cert-authority' && entryMatches(e, name));
  const revoked = forHost.find((e) => e.marker === '@revoked' && e.key === key);
  if (revoked) return { status: 'revoked', keyType, line: revoked.line };
  const listed = forHost.filter((e) => e.marker === undefined);
  const match = listed.find((e) => e.key === key);
  if (match) return { status: 'known', keyType, line: match.line };
  if (listed.length > 0) return { status: 'changed', keyType, listed };
  return { status: 'unknown', keyType };
}

/** Key types listed for a host, so the client asks the server for a key it can check. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], address: string, port: number): string[] {
  const name = knownHostName(address, port);
  const types = entries.filter((e) => e.marker === undefined && entryMatches(e, name)).map((e) => e.keyType);
  return [...new Set(types)];
}
