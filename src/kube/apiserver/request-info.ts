/**
 * What a request asks for, as authorization sees it (pure): kubernetes/apiserver
 * pkg/endpoints/request/requestinfo.go RequestInfoFactory.NewRequestInfo, for the paths our
 * apiserver serves (/api/v1/..., /apis/<group>/<version>/...; anything else is a non-resource
 * request whose verb is the lower-case method). Used for the refusal of a request, worded as
 * pkg/endpoints/handlers/responsewriters/errors.go ForbiddenStatusError words it.
 */

export type RequestInfo =
  | { readonly kind: 'nonResource'; readonly verb: string; readonly path: string }
  | {
      readonly kind: 'resource';
      readonly verb: string;
      readonly group: string;
      readonly namespace: string;
      readonly resource: string;
      readonly subresource: string;
      readonly name: string;
    };

const METHOD_VERBS: Readonly<Record<string, string>> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function requestInfo(method: string, path: string, q: URLSearchParams): RequestInfo {
  const nonResource = { kind: 'nonResource', verb: method.toLowerCase(), path } as const;
  let parts = path.split('/').filter((p) => p.length > 0);
  let group = '';
  if (parts[0] === 'api' && parts.length >= 3) parts = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    parts = parts.slice(3);
  } else return nonResource;
  let verb = METHOD_VERBS[method.toUpperCase()] ?? '';
  if ((parts[0] === 'watch' || parts[0] === 'proxy') && parts.length >= 2) {
    verb = parts[0];
    parts = parts.slice(1);
  }
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1] ?? '';
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] ?? '')) parts = parts.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = parts;
  if (!name && verb === 'get') {
    const w = q.get('watch');
    verb = w !== null && w.toLowerCase() !== 'false' && w !== '0' ? 'watch' : 'list';
  }
  if (!name && verb === 'delete') verb = 'deletecollection';
  return { kind: 'resource', verb, group, namespace, resource, subresource: name ? subresource : '', name };
}

/**
 * The 403 for `user` (responsewriters.ForbiddenStatusError: forbiddenMessage wrapped by
 * apierrors.NewForbidden with the group/resource and name).
 */
export function forbidden(
  user: string,
  a: RequestInfo,
): { message: string; details: Record<string, string> } {
  if (a.kind === 'nonResource') {
    return { message: `forbidden: User "${user}" cannot ${a.verb} path "${a.path}"`, details: {} };
  }
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return {
    message: `${subject} is forbidden: User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${where}`,
    details: {
      ...(a.name ? { name: a.name } : {}),
      ...(a.group ? { group: a.group } : {}),
      kind: a.resource,
    },
  };
}
