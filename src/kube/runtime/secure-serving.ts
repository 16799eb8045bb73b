/**
 * The HTTPS port of kube-controller-manager, kube-scheduler (--secure-port) and the kubelet
 * (--port 10250): TLS with a serving certificate, client certificates verified against the client
 * CA (authn.ts), then the authorization upstream applies, then the route.
 *
 * Authorization modes:
 *  - `AlwaysAllow`: every request that authenticated (kubelet --authorization-mode=AlwaysAllow).
 *  - `Delegated`: upstream asks the apiserver with a SubjectAccessReview (controller-manager and
 *    scheduler: k8s.io/apiserver pkg/server/options/authorization.go DelegatingAuthorizationOptions;
 *    kubelet --authorization-mode=Webhook). Our apiserver allows every authenticated user, so this
 *    allows every authenticated user and refuses `system:anonymous`, whom upstream's default RBAC
 *    gives only the public health and version paths. No review is sent: a scrape does not depend
 *    on the apiserver being up (upstream's caches 10 s; the kubelet's 5 min).
 * `alwaysAllowPaths` skip authorization (--authorization-always-allow-paths, upstream default
 * /healthz,/readyz,/livez; a trailing `*` matches a prefix); authentication still runs first, so
 * a bad certificate is a 401 there too.
 *
 * Refusals are written as upstream writes them: the generic apiserver's Status JSON
 * (pkg/endpoints/handlers/responsewriters: 401 "Unauthorized", 403 `forbidden: User "<u>" cannot
 * get path "<p>"`) or the kubelet's plain text (pkg/kubelet/server/server.go InstallAuthFilter:
 * "Unauthorized", "Forbidden (user=..., verb=..., resource=nodes, subresource=...)").
 * Lab difference: a port in use is logged and the component runs on without serving.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { ANONYMOUS, authenticateClientCert, type UserInfo } from './authn.ts';
import type { Logger } from './log.ts';
import type { ServingCert } from './self-signed.ts';

export type AuthorizationMode = 'AlwaysAllow' | 'Delegated';
export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface SecureServingOptions {
  readonly bindAddress: string;
  readonly port: number;
  readonly tls: ServingCert;
  /** PEM bundle that signs client certificates; none: client certificates are not asked for. */
  readonly clientCa?: Buffer | undefined;
  /** Anonymous authentication: requests without credentials are `system:anonymous`. */
  readonly anonymous: boolean;
  readonly authorization: AuthorizationMode;
  readonly alwaysAllowPaths: readonly string[];
  /** GET handlers by exact path. */
  readonly routes: Readonly<Record<string, Handler>>;
  /** How refusals are written: the generic apiserver's Status JSON or the kubelet's text. */
  readonly refusals: 'status' | 'kubelet';
  readonly log: Logger;
}

export interface SecureServer {
  /** The port listened on. */
  readonly port: number;
  /** Replaces the client CA (e.g. the extension-apiserver-authentication ConfigMap changed). */
  setClientCa(ca: Buffer | undefined): void;
  close(): Promise<void>;
}

/** Whether `path` is one of `patterns` (exact, or a prefix when the pattern ends in `*`). */
export function pathAllowed(patterns: readonly string[], path: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : p === path));
}

/** The decision for one request (pure): serve, or refuse with 401/403. */
export function decide(
  o: Pick<SecureServingOptions, 'anonymous' | 'authorization' | 'alwaysAllowPaths'>,
  authn: ReturnType<typeof authenticateClientCert>,
  path: string,
):
  | { readonly kind: 'serve'; readonly user: UserInfo }
  | { readonly kind: 401 }
  | { readonly kind: 403; readonly user: UserInfo } {
  if (authn.kind === 'invalid') return { kind: 401 };
  if (authn.kind === 'none' && !o.anonymous) return { kind: 401 };
  const user = authn.kind === 'user' ? authn.user : ANONYMOUS;
  if (pathAllowed(o.alwaysAllowPaths, path) || o.authorization === 'AlwaysAllow')
    return { kind: 'serve', user };
  return authn.kind === 'user' ? { kind: 'serve', user } : { kind: 403, user };
}

function statusBody(code: 401 | 403, message: string): string {
  const reason = code === 401 ? 'Unauthorized' : 'Forbidden';
  return `${JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(code === 403 ? { details: {} } : {}),
    code,
  })}\n`;
}

/** The kubelet's authorization subresource for a path (pkg/kubelet/server/auth.go GetRequestAttributes). */
const kubeletSubresource = (path: string): string =>
  path.startsWith('/metrics')
    ? 'metrics'
    : path.startsWith('/stats')
      ? 'stats'
      : path.startsWith('/logs')
        ? 'log'
        : 'proxy';

function refuse(
  o: SecureServingOptions,
  res: ServerResponse,
  code: 401 | 403,
  user: UserInfo | undefined,
  path: string,
): void {
  if (o.refusals === 'kubelet') {
    const text =
      code === 401
        ? 'Unauthorized'
        : `Forbidden (user=${user?.name}, verb=get, resource=nodes, subresource=${kubeletSubresource(path)})`;
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
    res.end(`${text}\n`);
    return;
  }
  const message = code === 401 ? 'Unauthorized' : `forbidden: User "${user?.name}" cannot get path "${path}"`;
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(statusBody(code, message));
}

/** Starts serving; undefined when the port is taken (logged). A listen error other than that throws. */
export async function startSecureServer(o: SecureServingOptions): Promise<SecureServer | undefined> {
  let ca = o.clientCa;
  const server = createServer({
    cert: o.tls.cert,
    key: o.tls.key,
    ...(ca ? { ca } : {}),
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const d = decide(o, authenticateClientCert(req.socket as TLSSocket, ca !== undefined, ca), path);
    if (d.kind !== 'serve') return refuse(o, res, d.kind, d.kind === 403 ? d.user : undefined, path);
    const route = o.routes[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: 'GET' })
        .end('Method Not Allowed\n');
      return;
    }
    Promise.resolve(route(req, res)).catch((e) => {
      o.log('serving failed', { path, error: String(e) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const listening = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EADDRINUSE' ? resolve(false) : reject(e),
    );
    server.listen(o.port, o.bindAddress, () => resolve(true));
  });
  const host = o.bindAddress.includes(':') ? `[${o.bindAddress}]` : o.bindAddress;
  if (!listening) {
    o.log('secure serving off: address in use', { address: `https://${host}:${o.port}` });
    return undefined;
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  o.log('serving securely', { address: `https://${host}:${port}`, clientCA: ca !== undefined });
  return {
    port,
    setClientCa(next) {
      ca = next;
      server.setSecureContext({ cert: o.tls.cert, key: o.tls.key, ...(next ? { ca: next } : {}) });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
