/**
 * API errors rendered as `Status` objects (kind Status, apiVersion v1, status Failure), with the
 * reasons and codes of k8s.io/apimachinery/pkg/api/errors.
 */
import type { ResourceDef } from './resources.ts';
import type { KObject } from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: KObject,
  ) {
    super(message);
  }
}

const qualified = (def: ResourceDef) => (def.group ? `${def.plural}.${def.group}` : def.plural);
const details = (def: ResourceDef, name: string) => ({
  name,
  ...(def.group ? { group: def.group } : {}),
  kind: def.plural,
});

export const notFound = (def: ResourceDef, name: string) =>
  new ApiError(404, 'NotFound', `${qualified(def)} "${name}" not found`, details(def, name));

export const alreadyExists = (def: ResourceDef, name: string) =>
  new ApiError(409, 'AlreadyExists', `${qualified(def)} "${name}" already exists`, details(def, name));

export const conflict = (def: ResourceDef, name: string, why?: string) =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(def)} "${name}": ${
      why ?? 'the object has been modified; please apply your changes to the latest version and try again'
    }`,
    details(def, name),
  );

export const invalid = (def: ResourceDef, name: string, msg: string) =>
  new ApiError(422, 'Invalid', `${def.kind} "${name}" is invalid: ${msg}`, details(def, name));

export const badRequest = (msg: string) => new ApiError(400, 'BadRequest', msg);
export const gone = (msg: string) => new ApiError(410, 'Expired', msg);
export const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized');
export const methodNotAllowed = (verb: string, what: string) =>
  new ApiError(405, 'MethodNotAllowed', `${verb} is not supported on ${what}`);
export const notFoundPath = (p: string) =>
  new ApiError(404, 'NotFound', `the server could not find the requested resource (${p})`);
export const unsupportedMediaType = (t: string) =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json (got '${t}')`,
  );
export const serviceUnavailable = (msg: string) => new ApiError(503, 'ServiceUnavailable', msg);
export const timeout = (msg: string) => new ApiError(504, 'Timeout', msg);
export const internal = (msg: string) =>
  new ApiError(500, 'InternalError', `Internal error occurred: ${msg}`);

/** Maps any thrown value to an ApiError (etcd failures become 500/504 as kube-apiserver does). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (/deadline|timed out|timeout/i.test(msg)) return timeout(`etcd request timed out: ${msg}`);
  return internal(msg);
}

export function statusObject(err: ApiError): KObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    ...(err.details ? { details: err.details } : {}),
    code: err.code,
  };
}

export function successStatus(def: ResourceDef, name: string, uid?: string): KObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { ...details(def, name), ...(uid ? { uid } : {}) },
  };
}
