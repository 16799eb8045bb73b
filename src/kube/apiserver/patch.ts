/**
 * PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902, via fast-json-patch) and a
 * schema-less strategic merge patch: merge-patch semantics plus list merging by the upstream
 * patchMergeKey of well-known list fields (containers by name, conditions by type, ...), the
 * `$patch: delete|replace` directives, `$deleteFromPrimitiveList/<f>`, and `$setElementOrder` /
 * `$retainKeys` (accepted and dropped).
 */
import jsonpatch from 'fast-json-patch';
import { ApiError, badRequest, unsupportedMediaType } from './status.ts';
import { clone, isObject, type KObject } from './types.ts';

export const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
] as const;

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: KObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Upstream patchMergeKey of list fields (by field name; `ports` depends on the element shape). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  conditions: 'type',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  addresses: 'type',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};
/** Lists of primitives merged as sets. */
const MERGE_PRIMITIVES = new Set(['finalizers']);

function mergeKeyFor(field: string, list: unknown[]): string | undefined {
  if (field === 'ports') {
    const first = list.find(isObject);
    if (!first) return undefined;
    return 'containerPort' in first ? 'containerPort' : 'port';
  }
  return MERGE_KEYS[field];
}

function mergeList(field: string, cur: unknown, patch: unknown[]): unknown[] {
  if (MERGE_PRIMITIVES.has(field)) {
    const base = Array.isArray(cur) ? [...cur] : [];
    for (const v of patch) if (!base.includes(v)) base.push(v);
    return base;
  }
  const key = mergeKeyFor(field, patch);
  if (!key || !Array.isArray(cur))
    return patch.filter((e) => !(isObject(e) && e.$patch)).map((e) => strategic(undefined, e));
  if (patch.some((e) => isObject(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isObject(e) && e.$patch === 'replace')).map((e) => strategic(undefined, e));
  }
  const out = [...cur];
  for (const p of patch) {
    if (!isObject(p)) continue;
    const idx = out.findIndex((e) => isObject(e) && e[key] === p[key]);
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = strategic(out[idx], p);
    else out.push(strategic(undefined, p));
  }
  return out;
}

export function strategic(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return strategic(undefined, rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: KObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[f]) && Array.isArray(v))
        out[f] = (out[f] as unknown[]).filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(k, out[k], v);
    else {
      const r = strategic(out[k], v);
      if (r === undefined) delete out[k];
      else out[k] = r;
    }
  }
  return out;
}

/** Applies a PATCH body of the given content type to a copy of `current`. */
export function applyPatch(contentType: string, current: KObject, body: string): KObject {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw badRequest(`the patch body is not valid JSON: ${(err as Error).message}`);
  }
  switch (type) {
    case 'application/merge-patch+json':
      if (!isObject(parsed)) throw badRequest('a merge patch must be a JSON object');
      return mergePatch(current, parsed) as KObject;
    case 'application/strategic-merge-patch+json':
      if (!isObject(parsed)) throw badRequest('a strategic merge patch must be a JSON object');
      return strategic(current, parsed) as KObject;
    case 'application/json-patch+json': {
      if (!Array.isArray(parsed)) throw badRequest('a JSON patch must be an array of operations');
      try {
        return jsonpatch.applyPatch(clone(current), parsed as jsonpatch.Operation[], true, false).newDocument;
      } catch (err) {
        const e = err as Error & { name?: string };
        if (e.name === 'TEST_OPERATION_FAILED')
          throw new ApiError(422, 'Invalid', `the JSON patch test failed: ${e.message}`);
        throw new ApiError(
          422,
          'Invalid',
          `the JSON patch could not be applied: ${e.message.split('\n')[0]}`,
        );
      }
    }
    default:
      throw unsupportedMediaType(contentType);
  }
}
