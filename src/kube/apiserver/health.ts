/**
 * /livez, /readyz and /healthz: answer by status code (200 "ok" / 500), `?verbose` lists every
 * check as `[+]name ok` / `[-]name failed: reason withheld`, `/readyz/<check>` runs one check and
 * `?exclude=<check>` skips one. The `etcd` check is a linearizable read against the configured
 * (local) member with a 2 s timeout; `shutdown` fails on readyz as soon as SIGTERM arrives.
 */
import type { Etcd3 } from 'etcd3';

export type Check = () => Promise<void> | void;

export interface HealthChecks {
  readonly livez: ReadonlyArray<[string, Check]>;
  readonly readyz: ReadonlyArray<[string, Check]>;
  /** Deprecated /healthz: the liveness checks plus post-start hooks, not `shutdown`. */
  readonly healthz: ReadonlyArray<[string, Check]>;
}

export interface HealthReply {
  readonly code: number;
  readonly text: string;
}

/** A linearizable etcd read with a deadline; concurrent callers share one in-flight read. */
export function etcdCheck(etcd: Etcd3, timeoutMs = 2000): Check {
  let inflight: Promise<void> | undefined;
  return () => {
    inflight ??= etcd.kv
      .range({ key: Buffer.from('/registry/health') }, { deadline: Date.now() + timeoutMs })
      .then(() => undefined)
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

/** Runs the checks of one endpoint (`which` is livez, readyz or healthz; `sub` a single check). */
export async function runHealth(
  checks: ReadonlyArray<[string, Check]>,
  which: string,
  sub: string | undefined,
  q: URLSearchParams,
): Promise<HealthReply> {
  const excluded = new Set(q.getAll('exclude'));
  const selected = sub ? checks.filter(([n]) => n === sub) : checks.filter(([n]) => !excluded.has(n));
  if (sub && selected.length === 0) return { code: 404, text: `404 page not found\n` };
  const results = await Promise.all(
    selected.map(async ([name, check]) => {
      try {
        await check();
        return { name, ok: true };
      } catch {
        return { name, ok: false };
      }
    }),
  );
  const ok = results.every((r) => r.ok);
  const verbose = q.has('verbose');
  if (ok && !verbose) return { code: 200, text: 'ok' };
  const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
  for (const e of excluded) lines.push(`[+]${e} excluded: ok`);
  lines.push(ok ? `${which} check passed` : `${which} check failed`);
  return { code: ok ? 200 : 500, text: `${lines.join('\n')}\n` };
}
