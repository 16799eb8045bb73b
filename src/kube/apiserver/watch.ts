/**
 * Watch: newline-delimited JSON events (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) over a
 * chunked 200 response. Without a resourceVersion (or with "0") the current objects come first as
 * ADDED; with one, events resume from rv+1 via an etcd watch, and a compacted rv yields an ERROR
 * event carrying a 410 Gone Status. Selectors are applied per event: an object that stops matching
 * is sent as DELETED, one that starts matching as ADDED (as upstream).
 */
import type { ServerResponse } from 'node:http';
import { apiVersionOf } from './resources.ts';
import type { ResourceRequest } from './rest.ts';
import { type Predicate, parseFieldSelector, parseLabelSelector, selectedName } from './selectors.ts';
import { ApiError, badRequest, statusObject, toApiError } from './status.ts';
import type { Store, StoreEvent } from './storage.ts';
import type { KObject } from './types.ts';

export interface WatchOptions {
  /** Interval between BOOKMARK events when the client allows them, ms. */
  readonly bookmarkIntervalMs?: number;
  /** Called with a function that ends this watch (used at shutdown). */
  readonly register?: (stop: () => void) => () => void;
  /** Renders each event's object (e.g. as a Table row); BOOKMARK and ERROR objects pass through. */
  readonly render?: (obj: KObject) => KObject;
}

export async function serveWatch(
  store: Store,
  r: ResourceRequest,
  q: URLSearchParams,
  res: ServerResponse,
  o: WatchOptions = {},
): Promise<void> {
  const labels = parseLabelSelector(q.get('labelSelector'));
  const fields = parseFieldSelector(q.get('fieldSelector'));
  const match: Predicate = (obj) => labels(obj) && fields(obj);
  const only = selectedName(q.get('fieldSelector'));
  const prefix =
    only && (r.namespace || !r.def.namespaced)
      ? store.key(r.def, r.namespace, only)
      : store.prefix(r.def, r.namespace);
  const rv = q.get('resourceVersion') ?? '';
  if (rv !== '' && !/^\d+$/.test(rv))
    throw badRequest(`invalid resourceVersion "${rv}": it must be a number`);
  const timeoutS = q.has('timeoutSeconds') ? Number(q.get('timeoutSeconds')) : 1800 + Math.random() * 1800;
  if (!Number.isFinite(timeoutS) || timeoutS < 0) throw badRequest('timeoutSeconds must be a number >= 0');
  const sendInitial = q.get('sendInitialEvents') === 'true';
  const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';

  // Everything that can fail with a plain HTTP error happens before the 200 header.
  let initial: KObject[] = [];
  let fromRev: string;
  if (rv === '' || rv === '0' || sendInitial) {
    const listed = await store.listPrefix(prefix);
    initial = listed.items.filter((x) => match(x) && (!only || x.metadata.name === only));
    fromRev = listed.rev;
  } else {
    fromRev = rv;
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let lastRev = fromRev;
  let closed = false;
  const send = (type: string, object: KObject) => {
    if (closed) return;
    const rendered = o.render && type !== 'BOOKMARK' && type !== 'ERROR' ? o.render(object) : object;
    res.write(`${JSON.stringify({ type, object: rendered })}\n`);
  };
  const fail = (err: unknown) => {
    send('ERROR', statusObject(toApiError(err)));
    finish();
  };
  let cancel: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let unregister: (() => void) | undefined;
  const finish = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    clearInterval(bookmarkTimer);
    unregister?.();
    void cancel?.();
    res.end();
  };
  res.on('close', finish);
  unregister = o.register?.(finish);

  for (const obj of initial) send('ADDED', obj);
  const bookmark = (annotations?: Record<string, string>) =>
    send('BOOKMARK', {
      kind: r.def.kind,
      apiVersion: apiVersionOf(r.def),
      metadata: { resourceVersion: lastRev, ...(annotations ? { annotations } : {}) },
    });
  if (sendInitial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });

  try {
    if (!sendInitial && rv !== '' && rv !== '0') await store.checkWatchable(prefix, rv);
    const onEvent = (e: StoreEvent) => {
      try {
        deliver(e);
      } catch (err) {
        fail(err);
      }
    };
    const deliver = (e: StoreEvent) => {
      if (only && e.obj.metadata?.name !== only) return;
      lastRev = e.rev;
      const now = e.type !== 'DELETED' && match(e.obj);
      const before = e.prev !== undefined && match(e.prev);
      if (e.type === 'DELETED') {
        if (before) send('DELETED', e.obj);
      } else if (now && before) send('MODIFIED', e.obj);
      else if (now) send('ADDED', e.obj);
      else if (before) send('DELETED', e.obj);
    };
    cancel = await store.watch(prefix, (BigInt(fromRev) + 1n).toString(), onEvent, (err) =>
      fail(
        /compact/i.test(err.message) ? new ApiError(410, 'Expired', `too old resource version: ${rv}`) : err,
      ),
    );
    if (closed) void cancel();
  } catch (err) {
    fail(err);
    return;
  }
  timer = setTimeout(finish, timeoutS * 1000);
  if (bookmarks) bookmarkTimer = setInterval(() => bookmark(), o.bookmarkIntervalMs ?? 60_000);
}
