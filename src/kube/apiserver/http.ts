/**
 * HTTP routing: health and version (anonymous allowed), authentication and authorization
 * (auth.ts: a bad credential 401, system:anonymous 403 outside the public paths), `/metrics`,
 * discovery documents, then resource paths `/api/v1/...` and `/apis/<group>/<version>/...` (plus
 * the legacy `/watch/` prefix) dispatched to the REST verbs or to a watch. Every request that
 * reaches a resource route is counted in the request metrics (metrics.ts, labels.ts), and every
 * request but a watch in the in-flight gauge.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { ANONYMOUS } from '../runtime/authn.ts';
import { BUILD_INFO, metricsHandler } from '../runtime/metrics.ts';
import { type Authenticator, isPublicPath } from './auth.ts';
import { type HealthChecks, runHealth } from './health.ts';
import { requestKind, requestLabels } from './labels.ts';
import type { ApiserverMetrics } from './metrics.ts';
import { openapiV3GroupVersion, openapiV3Root } from './openapi.ts';
import { protobufToJson } from './protobuf.ts';
import { forbidden, requestInfo } from './request-info.ts';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, findResource } from './resources.ts';
import type { ResourceRequest, Rest } from './rest.ts';
import {
  ApiError,
  badRequest,
  methodNotAllowed,
  notFoundPath,
  statusObject,
  toApiError,
  unauthorized,
  unsupportedMediaType,
} from './status.ts';
import { toTable, wantsTable } from './table.ts';
import type { KObject } from './types.ts';
import { serveWatch, type WatchOptions } from './watch.ts';

/** /version: the build every emulated component reports (kubernetes_build_info too). */
export const VERSION_INFO = BUILD_INFO;

export interface HttpDeps {
  readonly rest: Rest;
  readonly auth: Authenticator;
  readonly health: HealthChecks;
  /** `<advertise-address>:<port>` for /api's serverAddressByClientCIDRs. */
  readonly serverAddress: string;
  readonly watch: WatchOptions;
  /** Called with each request's outcome (for logging). */
  readonly log?: (line: string) => void;
  /** The process's registry (served on /metrics) and the request metrics recorded into it. */
  readonly metrics?: { readonly registry: Registry; readonly requests: ApiserverMetrics };
}

const MAX_BODY = 3 * 1024 * 1024;

function readRawBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'the request body is larger than 3 MiB'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, code: number, body: KObject): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  const e = toApiError(err);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, e.code, statusObject(e));
}

/** Parses the part of a resource path after `/api/v1` or `/apis/<g>/<v>`. */
export function parseResourcePath(
  group: string,
  version: string,
  segs: string[],
): (ResourceRequest & { watchPath: boolean }) | undefined {
  let watchPath = false;
  let s = segs;
  if (s[0] === 'watch') {
    watchPath = true;
    s = s.slice(1);
  }
  let namespace: string | undefined;
  if (s[0] === 'namespaces' && s.length >= 3 && s[2] !== 'status' && s[2] !== 'finalize') {
    namespace = s[1];
    s = s.slice(2);
  }
  if (s.length === 0 || s.length > 3) return undefined;
  const def = findResource(group, version, s[0]!);
  if (!def) return undefined;
  if (namespace !== undefined && !def.namespaced) return undefined;
  const [, name, subresource] = s;
  if (subresource !== undefined && !def.subresources.includes(subresource)) return undefined;
  if (name !== undefined && def.namespaced && namespace === undefined) return undefined;
  return {
    def,
    watchPath,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

/** The request body as JSON text (protobuf bodies of the few kinds protobuf.ts knows are converted). */
async function readBody(req: IncomingMessage): Promise<string> {
  const raw = await readRawBody(req);
  if (/protobuf/.test(req.headers['content-type'] ?? '')) return protobufToJson(raw);
  return raw.toString('utf8');
}

/** A watch by its URL (the legacy /watch/ paths or a true `watch` parameter): long-running. */
const isWatchUrl = (path: string, q: URLSearchParams) =>
  /\/watch\//.test(path) ||
  (q.has('watch') && !['0', 'false'].includes((q.get('watch') ?? '').toLowerCase()));

export function createHandler(d: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    res.on('finish', () =>
      d.log?.(`${req.method} ${req.url} ${res.statusCode} ${Math.round(performance.now() - started)}ms`),
    );
    const url = new URL(req.url ?? '/', 'https://apiserver');
    if (d.metrics && !isWatchUrl(url.pathname, url.searchParams)) {
      res.once('close', d.metrics.requests.executingRequest(requestKind(req.method ?? 'GET')));
    }
    handle(d, req, res, url, started).catch((err) => sendError(res, err));
  };
}

/** Counts a request that reached a resource route once its response ends (MonitorRequest). */
function monitor(
  d: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
  r: Parameters<typeof requestLabels>[3],
  started: number,
): void {
  const m = d.metrics?.requests;
  if (!m) return;
  const labels = requestLabels(req.method ?? 'GET', q, req.headers['content-type'], r);
  const closed = labels.verb === 'WATCH' ? m.watchOpened(labels) : undefined;
  res.once('close', () => {
    closed?.();
    const bytes = Number(res.getHeader('content-length') ?? 0);
    m.observe(
      labels,
      res.statusCode,
      (performance.now() - started) / 1000,
      Number.isFinite(bytes) ? bytes : 0,
    );
  });
}

async function handle(
  d: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  started: number,
): Promise<void> {
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const q = url.searchParams;
  const method = req.method ?? 'GET';

  const health = /^\/(livez|readyz|healthz)(?:\/(.+))?$/.exec(path);
  if (health) {
    const which = health[1]!;
    const checks =
      which === 'livez' ? d.health.livez : which === 'readyz' ? d.health.readyz : d.health.healthz;
    const r = await runHealth(checks, which, health[2], q);
    res.writeHead(r.code, {
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(r.text);
    return;
  }
  if (path === '/version') return sendJson(res, 200, VERSION_INFO);

  const authn = d.auth.authenticate(req);
  if (authn.kind === 'invalid') throw unauthorized();
  if (authn.kind === 'none' && !isPublicPath(path)) {
    const f = forbidden(ANONYMOUS.name, requestInfo(method, path, q));
    throw new ApiError(403, 'Forbidden', f.message, f.details);
  }
  if (path === '/metrics' && d.metrics) {
    if (method !== 'GET') throw methodNotAllowed(method, path);
    return metricsHandler(d.metrics.registry)(req, res);
  }

  if (path === '/api') return sendJson(res, 200, apiVersions(d.serverAddress));
  if (path === '/apis') return sendJson(res, 200, apiGroupList());
  if (path === '/openapi/v3') return sendJson(res, 200, openapiV3Root());
  if (path.startsWith('/openapi/v3/')) {
    const doc = openapiV3GroupVersion(path.slice('/openapi/v3/'.length));
    if (!doc) throw notFoundPath(path);
    return sendJson(res, 200, doc);
  }
  if (path === '/') {
    return sendJson(res, 200, {
      paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/metrics', '/readyz', '/version'],
    });
  }
  const segs = path
    .split('/')
    .filter((x) => x.length > 0)
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs[1] === 'v1') {
    [group, version, rest] = ['', 'v1', segs.slice(2)];
  } else if (segs[0] === 'apis' && segs.length >= 2) {
    if (segs.length === 2) {
      const g = apiGroupDoc(segs[1]!);
      if (!g) throw notFoundPath(path);
      return sendJson(res, 200, g);
    }
    [group, version, rest] = [segs[1]!, segs[2]!, segs.slice(3)];
  } else throw notFoundPath(path);

  if (rest.length === 0) {
    const list = apiResourceList(group, version);
    if (!list) throw notFoundPath(path);
    return sendJson(res, 200, list);
  }
  const r = parseResourcePath(group, version, rest);
  if (!r) throw notFoundPath(path);
  monitor(d, req, res, q, r, started);
  const isWatch = r.watchPath || q.get('watch') === '1' || q.get('watch') === 'true';

  switch (method) {
    case 'GET': {
      if (isWatch) {
        const wq = new URLSearchParams(q);
        const include = q.get('includeObject');
        const w: WatchOptions = wantsTable(req.headers.accept)
          ? { ...d.watch, render: (o) => (o.kind === 'Status' ? o : toTable(r.def, [o], undefined, include)) }
          : d.watch;
        if (r.name) {
          wq.set('fieldSelector', `metadata.name=${r.name}`);
          const { name: _n, ...coll } = r;
          return serveWatch(d.rest.store, coll, wq, res, w);
        }
        return serveWatch(d.rest.store, r, wq, res, w);
      }
      const reply = r.name ? await d.rest.get(r) : await d.rest.list(r, q);
      if (wantsTable(req.headers.accept) && !r.subresource) {
        const items = r.name ? [reply.body] : (reply.body.items as KObject[]);
        const rv = r.name ? undefined : reply.body.metadata?.resourceVersion;
        return sendJson(res, 200, toTable(r.def, items, rv, q.get('includeObject')));
      }
      return sendJson(res, reply.code, reply.body);
    }
    case 'POST': {
      if (r.name && r.subresource !== 'binding') throw methodNotAllowed('POST', path);
      const reply = await d.rest.create(r, await readBody(req), q);
      return sendJson(res, reply.code, reply.body);
    }
    case 'PUT': {
      if (!r.name) throw methodNotAllowed('PUT', path);
      const reply = await d.rest.update(r, await readBody(req));
      return sendJson(res, reply.code, reply.body);
    }
    case 'PATCH': {
      if (!r.name) throw methodNotAllowed('PATCH', path);
      const ct = req.headers['content-type'] ?? '';
      if (/apply-patch/.test(ct)) throw unsupportedMediaType(ct);
      const reply = await d.rest.patch(r, ct, await readBody(req));
      return sendJson(res, reply.code, reply.body);
    }
    case 'DELETE': {
      const body = await readBody(req);
      const reply = r.name ? await d.rest.delete(r, body, q) : await d.rest.deleteCollection(r, body, q);
      return sendJson(res, reply.code, reply.body);
    }
    default:
      throw badRequest(`method ${method} is not supported`);
  }
}
