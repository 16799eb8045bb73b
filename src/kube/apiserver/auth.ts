/**
 * Authentication: bearer tokens from a kube token file (CSV `token,user,uid,"group1,group2"`) and
 * client certificates signed by the client CA (CN = user, O = groups). Authenticated means
 * allowed (no RBAC). Anonymous requests may only reach the public health and version paths.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly string[];
}

/** Parses one CSV line with double-quoted fields (`""` escapes a quote). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/** Reads a token auth file; throws a message naming the file and line on a bad entry. */
export function loadTokenFile(file: string): Map<string, UserInfo> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--token-auth-file ${file}: cannot read it (${(err as Error).message})`);
  }
  const tokens = new Map<string, UserInfo>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const [token, name, uid, groups] = parseCsvLine(line);
    if (!token || !name) {
      throw new Error(`--token-auth-file ${file}:${i + 1}: expected token,user,uid[,"group1,group2"]`);
    }
    tokens.set(token, {
      name,
      ...(uid ? { uid } : {}),
      groups: (groups ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g.length > 0),
    });
  });
  return tokens;
}

const ANONYMOUS_PATHS = /^\/(livez|readyz|healthz|version)(\/.*)?$/;

export const isPublicPath = (path: string) => ANONYMOUS_PATHS.test(path);

export class Authenticator {
  constructor(
    private readonly tokens: Map<string, UserInfo>,
    private readonly clientCaConfigured: boolean,
  ) {}

  /** The request's user, or undefined when it carries no valid credential. */
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const user = m ? this.tokens.get(m[1]!) : undefined;
      if (user) return { ...user, groups: [...user.groups, 'system:authenticated'] };
      return undefined;
    }
    if (!this.clientCaConfigured) return undefined;
    const sock = req.socket as TLSSocket;
    if (!sock.authorized) return undefined;
    const cert = sock.getPeerCertificate?.();
    if (!cert?.subject) return undefined;
    const cn = cert.subject.CN;
    const name = Array.isArray(cn) ? cn[0] : cn;
    if (!name) return undefined;
    const o = cert.subject.O;
    const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
    return { name, groups: [...groups, 'system:authenticated'] };
  }
}
