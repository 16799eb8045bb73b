/**
 * Watches that survive the outage they observe: each keeps the last resourceVersion, re-watches
 * from it when the stream ends or fails (client-node 2.x also ends watches after ~30 s), relists
 * on 410 Gone, retries with a bounded backoff, and records its own gaps as `watch.gap` events.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ProbeContext } from './types.ts';

export interface WatchSpec<T> {
  readonly name: string;
  /** List path, e.g. /api/v1/namespaces/default/endpoints. */
  readonly path: string;
  readonly query?: Record<string, string>;
  /** Called for every object seen (list items and watch events); `deleted` for DELETED. */
  readonly onObject: (obj: T, deleted: boolean) => void;
}

interface ListResponse<T> {
  metadata?: { resourceVersion?: string };
  items?: T[];
}

export async function resilientWatch<T>(ctx: ProbeContext, spec: WatchSpec<T>): Promise<void> {
  const until = performance.now() + ctx.maxRunMs;
  // Loaded here, not at module load: the scenarios import the probes, and most of what imports
  // the scenarios (reports, analysis, --help, --list, the tests) never watches.
  const { Watch } = await import('@kubernetes/client-node');
  const watcher = new Watch(ctx.kube.kc);
  let rv: string | undefined;
  let gapFrom: number | undefined;
  let gapReason = '';
  let backoff = 200;
  const qs = new URLSearchParams(spec.query ?? {}).toString();
  while (!ctx.signal.aborted && performance.now() < until) {
    try {
      if (rv === undefined) {
        const r = await ctx.kube.get(`${ctx.target.topology.apiUrl}${spec.path}${qs ? `?${qs}` : ''}`, {
          timeoutMs: 3000,
          keepBody: true,
        });
        if (!r.ok || !r.body) throw new Error(`list ${spec.path}: ${r.status ?? r.error}`);
        const list = JSON.parse(r.body) as ListResponse<T>;
        for (const item of list.items ?? []) spec.onObject(item, false);
        rv = list.metadata?.resourceVersion;
      }
      if (gapFrom !== undefined) {
        ctx.sink.record({
          type: 'watch.gap',
          watch: spec.name,
          fromMs: gapFrom,
          toMs: ctx.nowMs(),
          reason: gapReason,
        });
        gapFrom = undefined;
      }
      backoff = 200;
      const ended = await new Promise<{ err?: unknown }>((resolve) => {
        let abortCtl: AbortController | undefined;
        const onAbort = () => abortCtl?.abort();
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        watcher
          .watch(
            spec.path,
            { ...(spec.query ?? {}), resourceVersion: rv, allowWatchBookmarks: true },
            (phase, obj: T & { metadata?: { resourceVersion?: string } }) => {
              if (phase === 'ERROR') {
                const code = (obj as unknown as { code?: number }).code;
                if (code === 410) rv = undefined;
                return;
              }
              if (obj?.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
              if (phase === 'BOOKMARK') return;
              spec.onObject(obj, phase === 'DELETED');
            },
            (err) => {
              ctx.signal.removeEventListener('abort', onAbort);
              resolve({ err });
            },
          )
          .then((c) => {
            abortCtl = c;
            if (ctx.signal.aborted) c.abort();
          })
          .catch((err: unknown) => {
            ctx.signal.removeEventListener('abort', onAbort);
            resolve({ err });
          });
      });
      if (ctx.signal.aborted) break;
      if (ended.err) throw ended.err;
      // A clean server-side close (timeout): re-watch from rv at once.
    } catch (err) {
      if (ctx.signal.aborted) break;
      const msg = err instanceof Error ? err.message : String(err);
      if (/410|Gone|too old/i.test(msg)) rv = undefined;
      if (gapFrom === undefined) {
        gapFrom = ctx.nowMs();
        gapReason = msg.slice(0, 200);
      }
      await delay(backoff, undefined, { signal: ctx.signal }).catch(() => undefined);
      backoff = Math.min(backoff * 2, 2000);
    }
  }
  if (gapFrom !== undefined) {
    ctx.sink.record({
      type: 'watch.gap',
      watch: spec.name,
      fromMs: gapFrom,
      toMs: ctx.nowMs(),
      reason: gapReason,
    });
  }
}
