/**
 * The labels a resource request is counted under in the apiserver's request metrics (pure), as
 * kubernetes/apiserver derives them:
 *  - scope: the route's (pkg/endpoints/installer.go requestScope): "resource" for a path with a
 *    name or a POST, else "namespace" under /namespaces/<ns>/, else "cluster" (cluster-scoped
 *    resources and lists across all namespaces);
 *  - verb (pkg/endpoints/metrics/metrics.go MonitorRequest → cleanVerb): CanonicalVerb turns a GET
 *    outside the "resource" scope into LIST; CleanVerb reports WATCH for a GET/LIST with a true
 *    `watch` parameter (and the legacy /watch/ paths), APPLY for a PATCH with content type
 *    application/apply-patch+yaml, CONNECT for the connect subresources; a method outside the
 *    known verbs is "other";
 *  - dry_run: cleanDryRun: the `dryRun` values deduplicated, sorted and comma-joined, "invalid"
 *    when one is not "All" (validation.ValidateDryRun), "" without.
 */
import type { ResourceRequest } from './rest.ts';

export interface RequestLabels {
  readonly verb: string;
  readonly dryRun: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  readonly scope: 'resource' | 'namespace' | 'cluster';
}

const CONNECT_SUBRESOURCES = new Set(['log', 'exec', 'portforward', 'attach', 'proxy']);
const VALID_VERBS = new Set([
  'APPLY',
  'CONNECT',
  'CREATE',
  'DELETE',
  'DELETECOLLECTION',
  'GET',
  'LIST',
  'PATCH',
  'POST',
  'PROXY',
  'PUT',
  'UPDATE',
  'WATCH',
  'WATCHLIST',
]);

/** Go's strconv.ParseBool as Convert_Slice_string_To_bool reads `watch`: anything but 0/false is true. */
const truthy = (v: string | null): boolean =>
  v !== null && v.toLowerCase() !== '0' && v.toLowerCase() !== 'false';

export function cleanDryRun(q: URLSearchParams): string {
  const values = q.getAll('dryRun');
  if (values.length === 0) return '';
  if (values.some((v) => v !== 'All')) return 'invalid';
  return [...new Set(values)].sort().join(',');
}

export function requestLabels(
  method: string,
  q: URLSearchParams,
  contentType: string | undefined,
  r: ResourceRequest & { readonly watchPath: boolean },
): RequestLabels {
  const m = method.toUpperCase();
  const scope =
    r.name !== undefined || m === 'POST' ? 'resource' : r.namespace !== undefined ? 'namespace' : 'cluster';
  let verb = (m === 'GET' || m === 'HEAD') && scope !== 'resource' ? 'LIST' : m === 'HEAD' ? 'GET' : m;
  if ((m === 'GET' || m === 'LIST') && q.has('watch') && truthy(q.get('watch'))) verb = 'WATCH';
  if (r.watchPath) verb = 'WATCH';
  if (verb === 'PATCH' && contentType === 'application/apply-patch+yaml') verb = 'APPLY';
  if (r.subresource !== undefined && CONNECT_SUBRESOURCES.has(r.subresource)) verb = 'CONNECT';
  return {
    verb: VALID_VERBS.has(verb) ? verb : 'other',
    dryRun: cleanDryRun(q),
    group: r.def.group,
    version: r.def.version,
    resource: r.def.plural,
    subresource: r.subresource ?? '',
    scope,
  };
}

/** The in-flight kind of a request (maxinflight.go: get, list, watch are read-only). */
export const requestKind = (method: string): 'readOnly' | 'mutating' =>
  method === 'GET' || method === 'HEAD' ? 'readOnly' : 'mutating';
