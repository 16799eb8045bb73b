/**
 * The kubelet's healthz server: plain HTTP on healthzBindAddress:healthzPort (127.0.0.1:10248 by
 * default), `GET /healthz` answering `ok` — what kubeadm's `[kubelet-check]` polls
 * (`curl -sSL http://localhost:10248/healthz`). Upstream (cmd/kubelet/app/server.go `run`, once
 * RunKubelet has started the kubelet): `if s.HealthzPort > 0 { healthz.InstallHandler(mux);
 * go wait.Until(func() { http.ListenAndServe(...) ... "Failed to start healthz server" }, 5s) }`,
 * so a kubelet that fails before that (its client credentials: bootstrap.ts) never answers, and a
 * port in use is retried every 5 s. The handler's only check is `ping`
 * (k8s.io/apiserver pkg/server/healthz InstallHandler with no checks).
 */
import http from 'node:http';
import type { Logger } from '../runtime/log.ts';

export const HEALTHZ_RETRY_MS = 5000;

/** Serves until `signal` aborts; a failed listen is logged and retried every HEALTHZ_RETRY_MS. */
export function startHealthz(
  address: string,
  port: number,
  log: Logger,
  signal: AbortSignal,
  retryMs = HEALTHZ_RETRY_MS,
): void {
  if (port <= 0) return;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://healthz');
    if (req.method === 'GET' && (url.pathname === '/healthz' || url.pathname === '/healthz/ping')) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  });
  let retry: NodeJS.Timeout | undefined;
  const listen = () => {
    retry = undefined;
    if (signal.aborted) return;
    server.listen(port, address);
  };
  server.on('error', (err) => {
    log('Failed to start healthz server', { address, port, err: err.message });
    retry = setTimeout(listen, retryMs);
    retry.unref();
  });
  signal.addEventListener(
    'abort',
    () => {
      if (retry) clearTimeout(retry);
      server.close();
      server.closeAllConnections();
    },
    { once: true },
  );
  listen();
}
