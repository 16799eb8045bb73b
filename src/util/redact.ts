/**
 * Secret redaction: applied to the result model before any reporter sees it, and to every other
 * sink — the live output, CLI error messages (util/errors.ts messageOf), `recover`'s log.
 *
 * - By field name: any key whose name (case- and separator-insensitive) contains token, passw,
 *   secret, credential, authorization, bearer, cookie, passphrase, apikey, privatekey, or ends in
 *   `key` / `keydata` (key, clientKey, sshKey, client-key-data). Values become "[REDACTED]".
 * - By value, inside any string: `Bearer <x>`, PEM private key blocks, JWT-looking tokens,
 *   `token=`/`password=` query or flag arguments, kubeconfig `*-key-data:` values, `sshpass -p
 *   <x>`, and the password of a URL's userinfo (`https://user:pw@host`).
 * Event fields that could collide are named to avoid it (taints use `taint`, writes `object`).
 */

export const REDACTED = '[REDACTED]';

const NAME_PARTS = [
  'token',
  'passw',
  'secret',
  'credential',
  'authorization',
  'bearer',
  'cookie',
  'passphrase',
  'apikey',
  'privatekey',
];

export function isSecretField(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_.\s]/g, '');
  return NAME_PARTS.some((p) => n.includes(p)) || n.endsWith('key') || n.endsWith('keydata');
}

const SECRET_WORD = '(?:[a-z]+[-_])*(?:token|password|passwd|secret|api[-_]?key)s?';

const VALUE_PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // --token abc, --etcd-password=abc
  [new RegExp(`(--${SECRET_WORD})(=|\\s+)("?)[^\\s"&,;]+\\3`, 'gi'), `$1$2$3${REDACTED}$3`],
  // client-key-data: LS0t... (a kubeconfig's embedded private key)
  [/\b([a-z-]*key-data)("?\s*:\s*)("?)[^\s"]+\3/gi, `$1$2$3${REDACTED}$3`],
  // sshpass -p secret
  [/\b(sshpass\s+-p\s*)("?)[^\s"]+\2/g, `$1$2${REDACTED}$2`],
  // https://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+@/gi, `$1${REDACTED}@`],
  // token=abc, password: abc, "secret":"abc", ?api_key=abc
  [new RegExp(`\\b(${SECRET_WORD})("?\\s*[=:]\\s*)("?)[^\\s"&,;]+\\3`, 'gi'), `$1$2$3${REDACTED}$3`],
];

export function redactString(s: string): string {
  let out = s;
  for (const [re, rep] of VALUE_PATTERNS) out = out.replace(re, rep);
  return out;
}

/** A deep copy with secrets replaced. Plain data only (objects, arrays, primitives). */
export function redact<T>(value: T): T {
  return walk(value, new WeakMap()) as T;
}

function walk(value: unknown, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const arr: unknown[] = [];
    seen.set(value, arr);
    for (const v of value) arr.push(walk(v, seen));
    return arr;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretField(k) && v !== null && v !== undefined && v !== '' ? REDACTED : walk(v, seen);
  }
  return out;
}
