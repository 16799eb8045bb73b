/**
 * Object storage in etcd: `/registry/<resource>/<namespace>/<name>` (cluster-scoped objects:
 * `/registry/<resource>/<name>`), JSON values. `metadata.resourceVersion` is the key's etcd mod
 * revision; writes are etcd transactions that compare the mod revision (optimistic concurrency),
 * list resourceVersion is the read's header revision, and watches are etcd watches from rv+1.
 */
import type { Etcd3, IKeyValue, IRequestOp, ITxnResponse, Watcher } from 'etcd3';
import { sleep } from '../runtime/loop.ts';
import type { ResourceDef } from './resources.ts';
import { alreadyExists, conflict, gone, notFound } from './status.ts';
import { clone, type KObject } from './types.ts';

export const REGISTRY = '/registry';

export interface Stored {
  readonly obj: KObject;
  /** etcd mod revision of the key. */
  readonly rev: string;
  readonly raw: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoreEvent {
  readonly type: WatchEventType;
  /** The object after the event (for DELETED: its last state, with the deletion's revision). */
  readonly obj: KObject;
  /** The object before the event, when there was one. */
  readonly prev?: KObject;
  readonly rev: string;
}

export interface UpdateOptions {
  /** Precondition: fail with 409 Conflict unless the stored resourceVersion equals this. */
  readonly expectRv?: string;
  /** Create the object when it does not exist (fn receives undefined). */
  readonly allowCreate?: boolean;
}

/** Returns the next object, or `null` to leave the stored one unchanged. */
export type UpdateFn = (current: KObject | undefined) => KObject | null;

const enc = (s: string) => Buffer.from(s);

export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  const end = Buffer.from(b);
  end[end.length - 1] = end[end.length - 1]! + 1;
  return end;
}

function encode(obj: KObject): string {
  const copy = { ...obj, metadata: { ...(obj.metadata ?? {}) } };
  delete copy.metadata.resourceVersion;
  return JSON.stringify(copy);
}

function decode(kv: IKeyValue, rev = kv.mod_revision): KObject {
  const obj = JSON.parse(kv.value.toString()) as KObject;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: rev };
  return obj;
}

export class Store {
  constructor(
    readonly etcd: Etcd3,
    /** Per-request etcd deadline, ms. */
    readonly timeoutMs = 10_000,
  ) {}

  private opts() {
    return { deadline: Date.now() + this.timeoutMs };
  }

  prefix(def: ResourceDef, ns?: string): string {
    return `${REGISTRY}/${def.plural}/${def.namespaced && ns ? `${ns}/` : ''}`;
  }

  key(def: ResourceDef, ns: string | undefined, name: string): string {
    return `${this.prefix(def, def.namespaced ? ns : undefined)}${name}`;
  }

  async read(key: string): Promise<Stored | undefined> {
    const res = await this.etcd.kv.range({ key: enc(key) }, this.opts());
    const kv = res.kvs[0];
    if (!kv) return undefined;
    return { obj: decode(kv), rev: kv.mod_revision, raw: kv.value.toString() };
  }

  async get(def: ResourceDef, ns: string | undefined, name: string): Promise<KObject> {
    const s = await this.read(this.key(def, ns, name));
    if (!s) throw notFound(def, name);
    return s.obj;
  }

  /** All objects under a prefix, with the read's header revision. */
  async listPrefix(prefix: string): Promise<{ items: KObject[]; rev: string }> {
    const res = await this.etcd.kv.range({ key: enc(prefix), range_end: prefixEnd(prefix) }, this.opts());
    return { items: res.kvs.map((kv) => decode(kv)), rev: res.header.revision };
  }

  list(def: ResourceDef, ns?: string): Promise<{ items: KObject[]; rev: string }> {
    return this.listPrefix(this.prefix(def, ns));
  }

  /** The current etcd revision (a linearizable read). */
  async revision(): Promise<string> {
    const res = await this.etcd.kv.range(
      { key: enc(`${REGISTRY}/`), limit: 1, count_only: true },
      this.opts(),
    );
    return res.header.revision;
  }

  private txn(
    compare: Parameters<Etcd3['kv']['txn']>[0]['compare'],
    success: IRequestOp[],
  ): Promise<ITxnResponse> {
    return this.etcd.kv.txn({ compare, success, failure: [] }, this.opts());
  }

  async create(def: ResourceDef, ns: string | undefined, obj: KObject): Promise<KObject> {
    const key = this.key(def, ns, obj.metadata.name);
    const raw = encode(obj);
    const res = await this.txn(
      [{ key: enc(key), target: 'Create', result: 'Equal', create_revision: 0 }],
      [{ request_put: { key: enc(key), value: enc(raw) } }],
    );
    if (!res.succeeded) throw alreadyExists(def, obj.metadata.name);
    return decode({ value: enc(raw) } as IKeyValue, res.header.revision);
  }

  /**
   * Read-modify-write with compare-and-swap on the mod revision, retried on races unless the
   * caller gave a resourceVersion precondition (then a race is a 409 Conflict).
   */
  async update(
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    fn: UpdateFn,
    o: UpdateOptions = {},
  ): Promise<{ obj: KObject; created: boolean }> {
    const key = this.key(def, ns, name);
    for (let attempt = 0; ; attempt++) {
      const cur = await this.read(key);
      if (!cur && !o.allowCreate) throw notFound(def, name);
      if (cur && o.expectRv !== undefined && cur.rev !== o.expectRv) throw conflict(def, name);
      const next = fn(cur ? clone(cur.obj) : undefined);
      if (next === null) {
        if (!cur) throw notFound(def, name);
        return { obj: cur.obj, created: false };
      }
      const raw = encode(next);
      if (cur && raw === cur.raw) return { obj: cur.obj, created: false };
      const cmp = cur
        ? { key: enc(key), target: 'Mod' as const, result: 'Equal' as const, mod_revision: cur.rev }
        : { key: enc(key), target: 'Create' as const, result: 'Equal' as const, create_revision: 0 };
      const res = await this.txn([cmp], [{ request_put: { key: enc(key), value: enc(raw) } }]);
      if (res.succeeded) {
        return { obj: decode({ value: enc(raw) } as IKeyValue, res.header.revision), created: !cur };
      }
      if (o.expectRv !== undefined) throw conflict(def, name);
      if (!cur && !o.allowCreate) throw notFound(def, name);
      if (attempt > 50) throw conflict(def, name, 'too many concurrent writers, try again');
    }
  }

  /** Deletes the key if its mod revision is still `rev`; returns false on a race. */
  async deleteAt(key: string, rev: string): Promise<string | undefined> {
    const res = await this.txn(
      [{ key: enc(key), target: 'Mod', result: 'Equal', mod_revision: rev }],
      [{ request_delete_range: { key: enc(key) } }],
    );
    return res.succeeded ? res.header.revision : undefined;
  }

  /**
   * Fails with 410 Gone when a watch from rv+1 cannot be served: the history after `rev` has been
   * compacted (events would be missed), or `rev` is still ahead of etcd after waiting up to
   * `futureWaitMs` (the store went back in time, e.g. a restore from an older snapshot). The
   * latter mirrors `etcdutl snapshot restore --bump-revision --mark-compacted`, the documented
   * way to make every client relist after a restore.
   */
  async checkWatchable(prefix: string, rev: string, futureWaitMs = 3000): Promise<void> {
    let current = BigInt(await this.revision());
    const until = Date.now() + futureWaitMs;
    while (BigInt(rev) > current && Date.now() < until) {
      await sleep(100);
      current = BigInt(await this.revision());
    }
    if (BigInt(rev) > current) {
      throw gone(
        `too large resource version: ${rev}, current: ${current} (was etcd restored from a snapshot?)`,
      );
    }
    const from = BigInt(rev) + 1n;
    if (from > current) return;
    try {
      await this.etcd.kv.range(
        {
          key: enc(prefix),
          range_end: prefixEnd(prefix),
          revision: from.toString(),
          limit: 1,
          keys_only: true,
        },
        this.opts(),
      );
    } catch (err) {
      if (/compacted/i.test(String((err as Error).message))) {
        throw gone(`too old resource version: ${rev} (${current})`);
      }
      throw err;
    }
  }

  /**
   * Watches a prefix from revision `fromRev` (inclusive). Resolves once etcd accepted the watch;
   * the returned function cancels it.
   */
  async watch(
    prefix: string,
    fromRev: string,
    onEvent: (e: StoreEvent) => void,
    onError: (err: Error) => void,
  ): Promise<() => Promise<void>> {
    const watcher: Watcher = await this.etcd
      .watch()
      .prefix(prefix)
      .startRevision(fromRev)
      .withPreviousKV()
      .create();
    watcher.on('data', (res) => {
      for (const ev of res.events) {
        const prev = ev.prev_kv && ev.prev_kv.value.length > 0 ? decode(ev.prev_kv) : undefined;
        if (ev.type === 'Delete') {
          if (!prev) continue;
          const obj = clone(prev);
          obj.metadata.resourceVersion = ev.kv.mod_revision;
          onEvent({ type: 'DELETED', obj, prev, rev: ev.kv.mod_revision });
        } else {
          const obj = decode(ev.kv);
          const type = ev.kv.create_revision === ev.kv.mod_revision ? 'ADDED' : 'MODIFIED';
          onEvent({ type, obj, ...(prev ? { prev } : {}), rev: ev.kv.mod_revision });
        }
      }
    });
    watcher.on('error', (err: Error) => onError(err));
    watcher.on('disconnected', (err: Error) => onError(err ?? new Error('etcd watch disconnected')));
    return async () => {
      watcher.removeAllListeners();
      watcher.on('error', () => {});
      await watcher.cancel().catch(() => {});
    };
  }
}
