/**
 * Test helper: one HTTPS GET with an optional client certificate (file paths, as src/lab/pki
 * writes them), the server's certificate not verified unless `ca` is given; and `promtool check
 * metrics` (Prometheus' own linter, /usr/bin/promtool) over an exposition text; and the client
 * certificate Prometheus scrapes with (`prometheus` in `system:monitoring`), signed by the CA in
 * `<dir>/pki`.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { type CertPair, ensureCa, ensureClientCert } from '../../src/lab/pki/index.ts';

/** Prometheus' client certificate, signed by the CA in `<dir>/pki` (created there if missing). */
export async function prometheusCert(dir: string): Promise<CertPair> {
  return ensureClientCert(dir, await ensureCa(path.join(dir, 'pki')), 'prometheus', 'prometheus', [
    'system:monitoring',
  ]);
}

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

export function httpsGet(
  url: string,
  o: { readonly client?: { readonly cert: string; readonly key: string }; readonly ca?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        rejectUnauthorized: o.ca !== undefined,
        ...(o.ca ? { ca: readFileSync(o.ca) } : {}),
        ...(o.client ? { cert: readFileSync(o.client.cert), key: readFileSync(o.client.key) } : {}),
        timeout: 5000,
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** `promtool check metrics` on `text`: exit code and what it printed (empty when clean). */
export function promtoolCheck(text: string): Promise<{ readonly code: number; readonly output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], { timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
    child.stdin?.end(text);
  });
}

/** The `le` bounds of a histogram's buckets for the series whose labels include `match`. */
export function bucketBounds(text: string, name: string, match = ''): string[] {
  const re = new RegExp(`^${name}_bucket\\{([^}]*)\\} `, 'gm');
  const out: string[] = [];
  for (const m of text.matchAll(re)) {
    const labels = m[1] ?? '';
    if (!labels.includes(match)) continue;
    const le = /le="([^"]+)"/.exec(labels)?.[1];
    if (le !== undefined && !out.includes(le)) out.push(le);
  }
  return out;
}
