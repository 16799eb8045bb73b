/**
 * Object metadata rules (what Kubernetes' generic registry does around a write): names and
 * generateName, uid, creationTimestamp, generation, immutable fields on update, the status
 * subresource split, and the graceful-deletion decision.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { type AdmissionConfig, admitCreate } from './admission.ts';
import { apiVersionOf, type ResourceDef } from './resources.ts';
import { ApiError, badRequest, invalid } from './status.ts';
import { isObject, type KObject } from './types.ts';

/** Kubernetes timestamps: RFC 3339 in UTC, whole seconds. */
export const kubeTime = (ms = Date.now()) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function validateName(def: ResourceDef, name: string): void {
  const label = def.kind === 'Namespace' || def.kind === 'Service';
  const ok = label
    ? DNS_LABEL.test(name) && name.length <= 63
    : DNS_SUBDOMAIN.test(name) && name.length <= 253;
  if (!ok) {
    throw invalid(
      def,
      name,
      `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 ${label ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

const GEN_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const genSuffix = () => [...randomBytes(5)].map((b) => GEN_CHARS[b % GEN_CHARS.length]).join('');

/** Parses a request body into an object of the resource's kind. */
export function parseObject(def: ResourceDef, body: string): KObject {
  let obj: unknown;
  try {
    obj = JSON.parse(body);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(obj)) throw badRequest('the request body must be a JSON object');
  if (obj.kind !== undefined && obj.kind !== def.kind) {
    throw badRequest(`the body of the request was of kind ${obj.kind}, expected ${def.kind}`);
  }
  obj.kind = def.kind;
  obj.apiVersion = apiVersionOf(def);
  if (!isObject(obj.metadata)) obj.metadata = {};
  return obj;
}

function checkNamespace(def: ResourceDef, obj: KObject, ns: string | undefined): void {
  if (!def.namespaced) {
    delete obj.metadata.namespace;
    return;
  }
  if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  obj.metadata.namespace = ns;
}

/** Prepares a new object for storage: name, uid, timestamps, defaults and admission. */
export function prepareCreate(
  def: ResourceDef,
  ns: string | undefined,
  obj: KObject,
  adm: AdmissionConfig,
): KObject {
  obj.kind = def.kind;
  obj.apiVersion = apiVersionOf(def);
  obj.metadata ??= {};
  checkNamespace(def, obj, ns);
  const m = obj.metadata;
  if (!m.name && m.generateName) m.name = `${m.generateName}${genSuffix()}`;
  if (!m.name) throw invalid(def, '', 'metadata.name: Required value: name or generateName is required');
  validateName(def, m.name);
  m.uid = randomUUID();
  m.creationTimestamp = kubeTime();
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  delete m.managedFields;
  if (obj.spec !== undefined && tracksGeneration(def)) m.generation = 1;
  admitCreate(def, obj, adm);
  return obj;
}

/** Kinds whose metadata.generation counts spec changes (not the constantly renewed ones). */
const tracksGeneration = (def: ResourceDef) => def.kind !== 'Lease' && def.kind !== 'Node';

const IMMUTABLE_META = [
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
];

/**
 * Merges an update into the current object: immutable metadata is kept, the status is kept on
 * the main resource of kinds with a status subresource (and only the status changes on /status),
 * generation increments when the spec changes.
 */
export function prepareUpdate(
  def: ResourceDef,
  cur: KObject,
  incoming: KObject,
  subresource: string | undefined,
): KObject {
  let next: KObject;
  if (subresource === 'status') {
    next = { ...cur, status: incoming.status };
    // Upstream status updates may also change labels and annotations via metadata; keep it simple.
  } else {
    next = { ...incoming, metadata: { ...incoming.metadata } };
    if (def.subresources.includes('status')) {
      if (cur.status === undefined) delete next.status;
      else next.status = cur.status;
    }
  }
  next.kind = def.kind;
  next.apiVersion = apiVersionOf(def);
  const m = next.metadata;
  m.name = cur.metadata.name;
  if (def.namespaced) m.namespace = cur.metadata.namespace;
  else delete m.namespace;
  for (const k of IMMUTABLE_META) {
    if (cur.metadata[k] === undefined) delete m[k];
    else m[k] = cur.metadata[k];
  }
  delete m.managedFields;
  delete m.resourceVersion;
  if (
    tracksGeneration(def) &&
    next.spec !== undefined &&
    JSON.stringify(next.spec) !== JSON.stringify(cur.spec)
  ) {
    m.generation = (cur.metadata.generation ?? 0) + 1;
  }
  if (def.kind === 'Pod' && cur.spec?.nodeName && next.spec?.nodeName !== cur.spec.nodeName && !subresource) {
    throw invalid(
      def,
      cur.metadata.name,
      'spec.nodeName: Forbidden: a bound pod cannot move to another node (delete it and create a new one)',
    );
  }
  return next;
}

export interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: string;
  readonly preconditions?: { uid?: string; resourceVersion?: string };
  readonly dryRun?: string[];
}

/** Reads DeleteOptions from the body and/or the query (the body wins). */
export function parseDeleteOptions(body: string | undefined, q: URLSearchParams): DeleteOptions {
  let o: KObject = {};
  if (body && body.trim() !== '') {
    try {
      const parsed = JSON.parse(body);
      if (isObject(parsed)) o = parsed;
    } catch {
      throw badRequest('the DeleteOptions body is not valid JSON');
    }
  }
  const grace =
    o.gracePeriodSeconds ?? (q.has('gracePeriodSeconds') ? Number(q.get('gracePeriodSeconds')) : undefined);
  if (grace !== undefined && !Number.isFinite(grace)) throw badRequest('gracePeriodSeconds must be a number');
  return {
    ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
    propagationPolicy: o.propagationPolicy ?? q.get('propagationPolicy') ?? undefined,
    ...(isObject(o.preconditions) ? { preconditions: o.preconditions } : {}),
  };
}

export function checkPreconditions(def: ResourceDef, cur: KObject, o: DeleteOptions): void {
  const p = o.preconditions;
  if (!p) return;
  if (p.uid && p.uid !== cur.metadata.uid) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${def.plural} "${cur.metadata.name}": Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${cur.metadata.uid}`,
    );
  }
  if (p.resourceVersion && p.resourceVersion !== cur.metadata.resourceVersion) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${def.plural} "${cur.metadata.name}": Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`,
    );
  }
}

/**
 * The grace period a delete gets: pods bound to a node and not terminal get the requested grace
 * (default spec.terminationGracePeriodSeconds, 30); everything else is deleted at once.
 */
export function deletionGrace(def: ResourceDef, cur: KObject, o: DeleteOptions): number {
  if (def.kind !== 'Pod') return 0;
  const phase = cur.status?.phase;
  if (!cur.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  let grace = o.gracePeriodSeconds ?? cur.spec?.terminationGracePeriodSeconds ?? 30;
  if (grace < 0) grace = 1;
  return Math.floor(grace);
}

/**
 * Marks an object for graceful deletion; returns null when the mark would not change (an existing
 * shorter grace period is kept, as upstream).
 */
export function markDeleting(cur: KObject, grace: number): KObject | null {
  const m = cur.metadata;
  if (
    m.deletionTimestamp &&
    m.deletionGracePeriodSeconds !== undefined &&
    m.deletionGracePeriodSeconds <= grace
  ) {
    return null;
  }
  m.deletionTimestamp = kubeTime(Date.now() + grace * 1000);
  m.deletionGracePeriodSeconds = grace;
  return cur;
}

export const hasFinalizers = (o: KObject) =>
  Array.isArray(o.metadata?.finalizers) && o.metadata.finalizers.length > 0;
