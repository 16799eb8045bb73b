/** Test doubles for leader election: a manual clock and an in-memory lock store with 409 semantics. */
import type { Clock } from '../../../src/kube/leaderelection/elector.ts';
import {
  type LeaderElectionRecord,
  type LockGetResult,
  LockNotFoundError,
  type ResourceLock,
  rawRecord,
} from '../../../src/kube/leaderelection/lock.ts';

const flush = () => new Promise<void>((r) => setImmediate(r));

export class FakeClock implements Clock {
  private timers: { at: number; fire: () => void }[] = [];
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = {
        at: this.t + ms,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }
  /** Moves time forward, firing due timers in order and letting promise chains settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fire();
    }
    this.t = end;
    await flush();
  }
}

export class ConflictError extends Error {
  code = 409;
}

export class MemoryStore {
  record: LeaderElectionRecord | undefined;
  version = 0;
  failUpdates = false;
  failGets = false;
  writes: { by: string; record: LeaderElectionRecord }[] = [];

  /** A store whose lease `holder` renewed at time 0 (15 s lease) after `transitions` transitions. */
  static heldBy(holder: string, transitions: number): MemoryStore {
    const store = new MemoryStore();
    store.record = {
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      acquireTime: 0,
      renewTime: 0,
      leaderTransitions: transitions,
    };
    return store;
  }
}

export class FakeLock implements ResourceLock {
  private seen = -1;
  constructor(
    private readonly store: MemoryStore,
    readonly identity: string,
  ) {}
  describe(): string {
    return 'kube-system/test';
  }
  async get(): Promise<LockGetResult> {
    if (this.store.failGets) throw new Error('connection refused');
    if (!this.store.record) throw new LockNotFoundError('not found');
    this.seen = this.store.version;
    return { record: this.store.record, raw: rawRecord(this.store.record) };
  }
  async create(record: LeaderElectionRecord): Promise<void> {
    if (this.store.record) throw new ConflictError('already exists');
    this.write(record);
  }
  async update(record: LeaderElectionRecord): Promise<void> {
    if (this.store.failUpdates) throw new Error('connection refused');
    if (!this.store.record) throw new Error('not initialized');
    if (this.seen !== this.store.version) throw new ConflictError('the object has been modified');
    this.write(record);
  }
  private write(record: LeaderElectionRecord): void {
    this.store.record = record;
    this.store.version++;
    this.seen = this.store.version;
    this.store.writes.push({ by: this.identity, record });
  }
}
