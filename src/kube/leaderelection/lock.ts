/**
 * The resource lock contract of client-go's leader election (`resourcelock.Interface`) and the
 * LeaderElectionRecord it stores. Times are epoch milliseconds (the Lease stores them as MicroTime).
 */
export interface LeaderElectionRecord {
  /** Empty when nobody holds the lock (e.g. after a release). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: number | undefined;
  readonly renewTime: number | undefined;
  readonly leaderTransitions: number;
}

export interface LockGetResult {
  readonly record: LeaderElectionRecord;
  /** A canonical serialization: the elector compares it to notice any change of the record. */
  readonly raw: string;
}

export class LockNotFoundError extends Error {
  override name = 'LockNotFoundError';
}

export interface ResourceLock {
  /** Identity this candidate writes as holderIdentity. */
  readonly identity: string;
  /** `namespace/name` for logs. */
  describe(): string;
  /** Reads the record; throws LockNotFoundError when the lock object does not exist. */
  get(): Promise<LockGetResult>;
  create(record: LeaderElectionRecord): Promise<void>;
  /** Updates with optimistic concurrency against the version last read or written (409 on a stale one). */
  update(record: LeaderElectionRecord): Promise<void>;
}

export function rawRecord(r: LeaderElectionRecord): string {
  return JSON.stringify([
    r.holderIdentity,
    r.leaseDurationSeconds,
    r.acquireTime,
    r.renewTime,
    r.leaderTransitions,
  ]);
}
