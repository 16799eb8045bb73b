/**
 * The REST verbs on resources: get, list, create, update, patch, delete, deletecollection and
 * the status, binding and scale subresources. Watch lives in watch.ts.
 */
import type { AdmissionConfig } from './admission.ts';
import {
  checkPreconditions,
  type DeleteOptions,
  deletionGrace,
  hasFinalizers,
  kubeTime,
  markDeleting,
  parseDeleteOptions,
  parseObject,
  prepareCreate,
  prepareUpdate,
} from './lifecycle.ts';
import { applyPatch } from './patch.ts';
import { apiVersionOf, RESOURCES, type ResourceDef, resourceByName } from './resources.ts';
import { parseFieldSelector, parseLabelSelector, selectedName } from './selectors.ts';
import { ApiError, badRequest, conflict, methodNotAllowed, notFound, successStatus } from './status.ts';
import type { Store } from './storage.ts';
import { isObject, type KObject } from './types.ts';

export interface ResourceRequest {
  readonly def: ResourceDef;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

export interface Reply {
  readonly code: number;
  readonly body: KObject;
}

const NAMESPACES = resourceByName('namespaces');

export class Rest {
  constructor(
    readonly store: Store,
    readonly admission: AdmissionConfig,
  ) {}

  async get(r: ResourceRequest): Promise<Reply> {
    const obj = await this.store.get(r.def, r.namespace, r.name!);
    if (r.subresource === 'scale') return { code: 200, body: toScale(obj) };
    return { code: 200, body: obj };
  }

  async list(r: ResourceRequest, q: URLSearchParams): Promise<Reply> {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'));
    const only = selectedName(q.get('fieldSelector'));
    // A metadata.name selector narrows the read to the keys starting with that name (the
    // field predicate below keeps the exact one); the read's header revision stays consistent.
    const prefix =
      only && (r.namespace || !r.def.namespaced)
        ? this.store.key(r.def, r.namespace, only)
        : this.store.prefix(r.def, r.namespace);
    let { items, rev } = await this.store.listPrefix(prefix);
    items = items.filter((o) => labels(o) && fields(o));
    return {
      code: 200,
      body: {
        kind: `${r.def.kind}List`,
        apiVersion: apiVersionOf(r.def),
        metadata: { resourceVersion: rev },
        items,
      },
    };
  }

  private async requireNamespace(r: ResourceRequest): Promise<void> {
    if (!r.def.namespaced) return;
    if (!r.namespace)
      throw badRequest(`${r.def.plural} are namespaced: POST to a namespaces/<ns>/${r.def.plural} path`);
    const ns = await this.store.read(this.store.key(NAMESPACES, undefined, r.namespace));
    if (!ns) throw notFound(NAMESPACES, r.namespace);
    if (ns.obj.metadata.deletionTimestamp) {
      throw new ApiError(
        403,
        'Forbidden',
        `unable to create new content in namespace ${r.namespace} because it is being terminated`,
      );
    }
  }

  async create(r: ResourceRequest, body: string, q: URLSearchParams): Promise<Reply> {
    if (r.subresource === 'binding') return this.bind(r, body);
    if (r.name) throw methodNotAllowed('POST', `${r.def.plural}/${r.name}`);
    const obj = prepareCreate(r.def, r.namespace, parseObject(r.def, body), this.admission);
    await this.requireNamespace(r);
    if (q.has('dryRun')) return { code: 201, body: obj };
    return { code: 201, body: await this.store.create(r.def, r.namespace, obj) };
  }

  /** POST pods/<name>/binding: sets spec.nodeName once, as the scheduler's bind does. */
  async bind(r: ResourceRequest, body: string): Promise<Reply> {
    const pods = r.def;
    let b: unknown;
    try {
      b = JSON.parse(body);
    } catch {
      throw badRequest('the Binding body is not valid JSON');
    }
    const node = isObject(b) && isObject(b.target) ? b.target.name : undefined;
    if (typeof node !== 'string' || node === '')
      throw badRequest('Binding.target.name (the node) is required');
    await this.store.update(pods, r.namespace, r.name!, (cur) => {
      if (!cur) throw notFound(pods, r.name!);
      if (cur.metadata.deletionTimestamp)
        throw conflict(pods, r.name!, 'pod is being deleted, cannot be assigned to a host');
      if (cur.spec?.nodeName) {
        throw conflict(pods, r.name!, `pod ${r.name} is already assigned to node "${cur.spec.nodeName}"`);
      }
      cur.spec.nodeName = node;
      cur.status ??= {};
      const conds: KObject[] = cur.status.conditions ?? [];
      const c = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: kubeTime() };
      cur.status.conditions = [...conds.filter((x) => x.type !== 'PodScheduled'), c];
      return cur;
    });
    return {
      code: 201,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
    };
  }

  async update(r: ResourceRequest, body: string): Promise<Reply> {
    if (r.subresource === 'scale') return this.writeScale(r, () => parseScale(body));
    const incoming = parseObject(r.def, body);
    if (incoming.metadata.name && incoming.metadata.name !== r.name) {
      throw badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${r.name})`,
      );
    }
    incoming.metadata.name = r.name;
    const rv = incoming.metadata.resourceVersion;
    const expectRv = typeof rv === 'string' && rv !== '' && rv !== '0' ? rv : undefined;
    const { obj, created } = await this.store.update(
      r.def,
      r.namespace,
      r.name!,
      (cur) => {
        if (!cur) return prepareCreate(r.def, r.namespace, incoming, this.admission);
        return prepareUpdate(r.def, cur, incoming, r.subresource);
      },
      { ...(expectRv ? { expectRv } : {}), allowCreate: r.def.allowCreateOnUpdate && !r.subresource },
    );
    return { code: created ? 201 : 200, body: await this.finishIfReleased(r.def, obj) };
  }

  async patch(r: ResourceRequest, contentType: string, body: string): Promise<Reply> {
    if (r.subresource === 'scale') {
      return this.writeScale(r, (cur) => applyPatch(contentType, toScale(cur), body));
    }
    const { obj } = await this.store.update(r.def, r.namespace, r.name!, (cur) => {
      if (!cur) throw notFound(r.def, r.name!);
      const patched = applyPatch(contentType, cur, body);
      if (!isObject(patched.metadata)) throw badRequest('the patch removed metadata');
      const rv = patched.metadata.resourceVersion;
      if (rv !== undefined && rv !== cur.metadata.resourceVersion) throw conflict(r.def, r.name!);
      return prepareUpdate(r.def, cur, patched, r.subresource);
    });
    return { code: 200, body: await this.finishIfReleased(r.def, obj) };
  }

  private async writeScale(r: ResourceRequest, scaleOf: (cur: KObject) => KObject): Promise<Reply> {
    if (r.def.kind !== 'ReplicaSet') throw methodNotAllowed('scale', r.def.plural);
    const { obj } = await this.store.update(r.def, r.namespace, r.name!, (cur) => {
      if (!cur) throw notFound(r.def, r.name!);
      const replicas = scaleOf(cur).spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0)
        throw badRequest('Scale.spec.replicas must be a whole number >= 0');
      return prepareUpdate(r.def, cur, { ...cur, spec: { ...cur.spec, replicas } }, undefined);
    });
    return { code: 200, body: toScale(obj) };
  }

  /** An object marked for deletion whose last finalizer went away (grace 0) is removed now. */
  private async finishIfReleased(def: ResourceDef, obj: KObject): Promise<KObject> {
    const m = obj.metadata;
    if (!m.deletionTimestamp || hasFinalizers(obj) || (m.deletionGracePeriodSeconds ?? 0) !== 0) return obj;
    await this.store.deleteAt(this.store.key(def, m.namespace, m.name), m.resourceVersion);
    return obj;
  }

  async delete(r: ResourceRequest, body: string | undefined, q: URLSearchParams): Promise<Reply> {
    const opts = parseDeleteOptions(body, q);
    const key = this.store.key(r.def, r.namespace, r.name!);
    for (;;) {
      const cur = await this.store.read(key);
      if (!cur) throw notFound(r.def, r.name!);
      const reply = await this.deleteOne(r.def, key, cur.obj, opts);
      if (reply) return reply;
    }
  }

  /** One delete attempt; undefined when a concurrent write raced it (the caller retries). */
  private async deleteOne(
    def: ResourceDef,
    key: string,
    cur: KObject,
    opts: DeleteOptions,
  ): Promise<Reply | undefined> {
    checkPreconditions(def, cur, opts);
    const grace = deletionGrace(def, cur, opts);
    if (grace === 0 && !hasFinalizers(cur)) {
      const rev = await this.store.deleteAt(key, cur.metadata.resourceVersion);
      if (!rev) return undefined;
      if (def.kind === 'Namespace') await this.deleteNamespaceContents(cur.metadata.name);
      const body = def.returnDeletedObject ? cur : successStatus(def, cur.metadata.name, cur.metadata.uid);
      return { code: 200, body };
    }
    const { obj } = await this.store
      .update(def, cur.metadata.namespace, cur.metadata.name, (c) => (c ? markDeleting(c, grace) : null), {
        expectRv: cur.metadata.resourceVersion,
      })
      .catch((err) => {
        if (err instanceof ApiError && err.code === 409) return { obj: undefined };
        throw err;
      });
    return obj ? { code: 200, body: obj } : undefined;
  }

  async deleteCollection(r: ResourceRequest, body: string | undefined, q: URLSearchParams): Promise<Reply> {
    const opts = parseDeleteOptions(body, q);
    const listed = await this.list(r, q);
    const items: KObject[] = [];
    for (const o of listed.body.items as KObject[]) {
      const key = this.store.key(r.def, o.metadata.namespace, o.metadata.name);
      for (let cur: KObject | undefined = o; cur; ) {
        const reply = await this.deleteOne(r.def, key, cur, opts).catch((err) => {
          if (err instanceof ApiError && err.code === 404) return { code: 404, body: {} };
          throw err;
        });
        if (reply) {
          if (reply.code === 200) items.push(cur);
          break;
        }
        cur = (await this.store.read(key))?.obj;
      }
    }
    return { code: 200, body: { ...listed.body, items } };
  }

  /** Namespaces are deleted at once here, together with everything in them. */
  private async deleteNamespaceContents(ns: string): Promise<void> {
    for (const def of RESOURCES) {
      if (!def.namespaced) continue;
      const prefix = this.store.prefix(def, ns);
      await this.store.etcd.delete().prefix(prefix).exec();
    }
  }
}

function toScale(rs: KObject): KObject {
  const sel = rs.spec?.selector?.matchLabels ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: rs.metadata.name,
      namespace: rs.metadata.namespace,
      uid: rs.metadata.uid,
      resourceVersion: rs.metadata.resourceVersion,
      creationTimestamp: rs.metadata.creationTimestamp,
    },
    spec: { replicas: rs.spec?.replicas ?? 1 },
    status: {
      replicas: rs.status?.replicas ?? 0,
      selector: Object.entries(sel)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

function parseScale(body: string): KObject {
  try {
    const o = JSON.parse(body);
    if (isObject(o)) return o;
  } catch {}
  throw badRequest('the Scale body is not valid JSON');
}
