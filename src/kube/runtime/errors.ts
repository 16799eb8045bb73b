/**
 * Reading Kubernetes client errors without loading the client: the HTTP status of a failed call
 * (ApiException.code) and a one-line description for logs.
 */

/** HTTP status of a failed client call (ApiException.code), or undefined for transport errors. */
export function statusCode(err: unknown): number | undefined {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown };
    if (typeof e.code === 'number') return e.code;
    if (typeof e.statusCode === 'number') return e.statusCode;
  }
  return undefined;
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
export const isConflict = (err: unknown): boolean => statusCode(err) === 409;

/** Short one-line description of a client error for logs. */
export function errText(err: unknown): string {
  const code = statusCode(err);
  if (code !== undefined) {
    const body = (err as { body?: unknown }).body;
    let msg = '';
    if (typeof body === 'string') {
      try {
        msg = (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        msg = body;
      }
    } else if (body && typeof body === 'object') msg = (body as { message?: string }).message ?? '';
    return `HTTP ${code}${msg ? `: ${msg.slice(0, 200)}` : ''}`;
  }
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return `${err.name}: ${err.message}${cause ? ` (${cause.code ?? cause.message ?? ''})` : ''}`;
  }
  return String(err);
}
