/**
 * A list-then-watch loop (client-go's Reflector, reduced) that survives apiserver and LB outages:
 * it re-watches from the last resourceVersion seen when a watch ends (client-node closes idle watches
 * after 30 s), relists on 410 Gone (or an ERROR event), and retries failed lists/watches with capped
 * exponential backoff. Handlers run one at a time, in event order.
 */
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { errText, statusCode } from './errors.ts';
import type { Logger } from './log.ts';
import { nextBackoff, sleep } from './loop.ts';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** The part of client-node's Watch the reflector uses (injectable for tests). */
export interface WatchLike {
  watch(
    path: string,
    query: Record<string, string>,
    callback: (type: string, obj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController>;
}

export interface ReflectorOptions<T extends KubeObject> {
  readonly name: string;
  readonly kc: KubeConfig;
  /** A list call with the same selectors as the watch; must return the list's resourceVersion. */
  readonly list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  /** Collection path, e.g. `/api/v1/pods`. */
  readonly path: string;
  readonly query?: Record<string, string>;
  /** Called after every (re)list with the full state. */
  readonly onSync: (items: T[]) => void | Promise<void>;
  readonly onEvent: (type: WatchEventType, obj: T) => void | Promise<void>;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Default: client-node's Watch over `kc`. */
  readonly watcher?: WatchLike;
}

export async function runReflector<T extends KubeObject>(o: ReflectorOptions<T>): Promise<void> {
  const min = o.minBackoffMs ?? 200;
  const max = o.maxBackoffMs ?? 5000;
  let backoff = min;
  let rv: string | undefined;
  let failures = 0;
  const watcher: WatchLike = o.watcher ?? new Watch(o.kc);
  while (!o.signal.aborted) {
    if (rv === undefined) {
      try {
        const list = await o.list();
        rv = list.metadata?.resourceVersion ?? '';
        await o.onSync(list.items);
        if (failures > 0) o.log(`${o.name}: list succeeded again`, { resourceVersion: rv, after: failures });
        failures = 0;
        backoff = min;
      } catch (e) {
        failures++;
        if (failures === 1 || failures % 10 === 0)
          o.log(`${o.name}: list failed, retrying`, { error: errText(e), attempt: failures });
        await sleep(backoff, o.signal);
        backoff = nextBackoff(backoff, min, max);
        continue;
      }
    }
    const res = await watchOnce(watcher, o, rv, (newRv) => {
      rv = newRv;
    });
    if (o.signal.aborted) break;
    if (res.gone) {
      o.log(`${o.name}: watch expired (410 Gone), relisting`, { resourceVersion: rv });
      rv = undefined;
      continue;
    }
    if (res.error !== undefined) {
      failures++;
      if (failures === 1 || failures % 10 === 0) {
        o.log(`${o.name}: watch failed, retrying`, { error: errText(res.error), attempt: failures });
      }
      await sleep(backoff, o.signal);
      backoff = nextBackoff(backoff, min, max);
      continue;
    }
    if (res.events > 0) {
      if (failures > 0) o.log(`${o.name}: watch resumed`, { resourceVersion: rv });
      failures = 0;
      backoff = min;
    } else if (Date.now() - res.startedAt < 1000) {
      // closed at once without events: do not spin
      await sleep(backoff, o.signal);
      backoff = nextBackoff(backoff, min, max);
    }
  }
}

interface WatchResult {
  readonly gone: boolean;
  readonly error: unknown;
  readonly events: number;
  readonly startedAt: number;
}

function watchOnce<T extends KubeObject>(
  watcher: WatchLike,
  o: ReflectorOptions<T>,
  rv: string,
  setRv: (rv: string) => void,
): Promise<WatchResult> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    let gone = false;
    let events = 0;
    let controller: AbortController | undefined;
    let chain = Promise.resolve();
    let finished = false;
    const finish = (error: unknown) => {
      if (finished) return;
      finished = true;
      o.signal.removeEventListener('abort', onAbort);
      // let queued handlers finish so the caller resumes from the last processed version
      // client-node aborts a watch idle for 30 s (TimeoutError): that is a normal end, re-watch at once
      const benign =
        (error as Error | undefined)?.name === 'TimeoutError' ||
        (error as Error | undefined)?.name === 'AbortError';
      const isGone = gone || statusCode(error) === 410;
      chain.then(() =>
        resolve({ gone: isGone, error: isGone || benign ? undefined : error, events, startedAt }),
      );
    };
    const onAbort = () => controller?.abort();
    o.signal.addEventListener('abort', onAbort, { once: true });
    const query: Record<string, string> = { allowWatchBookmarks: 'true', ...o.query };
    if (rv) query.resourceVersion = rv;
    watcher
      .watch(
        o.path,
        query,
        (type: string, obj: unknown) => {
          events++;
          if (type === 'ERROR') {
            const code = (obj as { code?: number })?.code;
            if (code !== 410)
              o.log(`${o.name}: watch error event`, { status: JSON.stringify(obj).slice(0, 200) });
            gone = true; // any ERROR event: relist, as client-go does on expired/unknown errors
            controller?.abort();
            return;
          }
          const objRv = (obj as KubeObject)?.metadata?.resourceVersion;
          if (type === 'BOOKMARK') {
            // in order with the events queued before it
            if (objRv) chain = chain.then(() => setRv(objRv));
            return;
          }
          if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
          chain = chain.then(async () => {
            try {
              await o.onEvent(type, obj as T);
            } catch (e) {
              o.log(`${o.name}: handler failed`, { error: errText(e) });
            }
            if (objRv) setRv(objRv);
          });
        },
        (err: unknown) => finish(err ?? undefined),
      )
      .then(
        (c) => {
          controller = c;
          if (o.signal.aborted || gone) c.abort();
        },
        (err) => finish(err),
      );
  });
}
