/**
 * `--shutdown-send-retry-after` (upstream staging/src/k8s.io/apiserver/pkg/server/filters/
 * with_retry_after.go `WithRetryAfter`, options/server_run_options.go): once the shutdown delay
 * has elapsed, the server keeps its listener open until the requests in flight have drained,
 * and answers every new request, on a new or a kept-alive connection, with 429, `Retry-After: 5`
 * and `Connection: close` ("The apiserver is shutting down, please try again later."), so that a
 * client retries, on a new connection that the LB sends to another apiserver. Health, version,
 * logs and metrics paths are exempt (`WithoutRetryOnThePaths`), and a long-running request (a
 * watch) is not waited for (the same exemption rule as the wait group, so the drain ends).
 * Without the flag the listener closes as soon as the delay has elapsed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const EXEMPT_PATHS = ['/readyz', '/livez', '/healthz', '/version', '/logs', '/metrics'];
export const RETRY_AFTER_S = 5;

const pathOf = (req: IncomingMessage): string => (req.url ?? '/').split('?')[0]!;

export const isExempt = (req: IncomingMessage): boolean =>
  EXEMPT_PATHS.some((p) => pathOf(req) === p || pathOf(req).startsWith(`${p}/`));

/** A watch (`?watch=true|1`, or the legacy /watch/ paths) runs until closed: not drained. */
export function isLongRunning(req: IncomingMessage): boolean {
  const [p, q = ''] = (req.url ?? '/').split('?', 2);
  return (
    /(^|&)watch=(true|1)(&|$)/.test(q) ||
    /^\/(api|apis\/[^/]+)\/[^/]+\/watch\//.test(p!) ||
    /^\/api\/v1\/watch\//.test(p!)
  );
}

export interface RetryAfterGate {
  /** The handler wrapper: counts requests in flight, answers 429 once `reject()` was called. */
  wrap(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): (req: IncomingMessage, res: ServerResponse) => void;
  /** From now on, new non-exempt requests get 429 + Retry-After. */
  reject(): void;
  /** Resolves once no non-long-running request is in flight (or after `maxMs`). */
  drained(maxMs: number): Promise<void>;
  inFlight(): number;
}

export function retryAfterGate(): RetryAfterGate {
  let rejecting = false;
  let inflight = 0;
  let onIdle: (() => void) | undefined;
  return {
    wrap: (handler) => (req, res) => {
      if (rejecting && !isExempt(req)) {
        res.writeHead(429, {
          'Retry-After': String(RETRY_AFTER_S),
          Connection: 'close',
          'Content-Type': 'text/plain; charset=utf-8',
        });
        res.end('The apiserver is shutting down, please try again later.\n');
        return;
      }
      if (!isLongRunning(req)) {
        inflight += 1;
        res.once('close', () => {
          inflight -= 1;
          if (inflight === 0) onIdle?.();
        });
      }
      handler(req, res);
    },
    reject: () => {
      rejecting = true;
    },
    drained: (maxMs) =>
      inflight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, maxMs);
            onIdle = () => {
              clearTimeout(timer);
              resolve();
            };
          }),
    inFlight: () => inflight,
  };
}
