/**
 * Authentication: bearer tokens from a kube token file (CSV `token,user,uid,"group1,group2"`) and
 * client certificates signed by the client CA (CN = user, O = groups; runtime/authn.ts). A
 * credential that does not verify is a 401. No credential at all is system:anonymous (upstream's
 * --anonymous-auth default), whom authorization lets reach only the public health and version
 * paths (the system:public-info-viewer role of upstream's default RBAC): elsewhere a 403.
 * Every authenticated user is allowed everything (no RBAC).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { AUTHENTICATED_GROUP, type Authn, authenticateClientCert, type UserInfo } from '../runtime/authn.ts';

export type { UserInfo } from '../runtime/authn.ts';

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

  /** The request's user, no credential, or a credential that did not verify. */
  authenticate(req: IncomingMessage): Authn {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const user = m ? this.tokens.get(m[1]!) : undefined;
      if (user) return { kind: 'user', user: { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] } };
      return { kind: 'invalid', reason: 'invalid bearer token' };
    }
    return authenticateClientCert(req.socket as TLSSocket, this.clientCaConfigured);
  }
}
