/**
 * client-go's LeaderElector (tools/leaderelection/leaderelection.go) over an injectable clock and lock:
 *
 * - acquire: tryAcquireOrRenew every retryPeriod with jitter 1.2 until it succeeds;
 * - renew: every retryPeriod, retry tryAcquireOrRenew until renewDeadline passes; if it does, stop leading;
 * - a candidate only takes over once the record it observed has not changed for leaseDurationSeconds on
 *   ITS OWN clock (observedTime), never by comparing renewTime with its clock;
 * - leaseTransitions is incremented when the holder changes; release (ReleaseOnCancel) writes an empty
 *   holder with leaseDurationSeconds 1.
 */
import { sleep } from '../runtime/loop.ts';
import type { LeaderElectionRecord, ResourceLock } from './lock.ts';
import { LockNotFoundError } from './lock.ts';
import type { LeaderMetrics } from './metrics.ts';

export const JITTER_FACTOR = 1.2;

export interface Clock {
  now(): number;
  /** Resolves after ms, or early when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = { now: () => Date.now(), sleep };

export interface LeaderCallbacks {
  /** Called once this candidate leads; `signal` aborts when it stops leading. */
  onStartedLeading(signal: AbortSignal): void;
  /** Always called when run() ends (as upstream, even if it never led). */
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  readonly lock: ResourceLock;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly releaseOnCancel: boolean;
  readonly callbacks: LeaderCallbacks;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** leader_election_master_status / leader_election_slowpath_total (metrics.ts). */
  readonly metrics?: LeaderMetrics;
}

/** The same checks as client-go's NewLeaderElector, with messages naming the flags to fix. */
export function validateTimings(
  leaseDurationMs: number,
  renewDeadlineMs: number,
  retryPeriodMs: number,
): void {
  if (leaseDurationMs <= renewDeadlineMs) {
    throw new Error(
      `--leader-elect-lease-duration (${leaseDurationMs}ms) must be greater than --leader-elect-renew-deadline (${renewDeadlineMs}ms)`,
    );
  }
  if (renewDeadlineMs <= JITTER_FACTOR * retryPeriodMs) {
    throw new Error(
      `--leader-elect-renew-deadline (${renewDeadlineMs}ms) must be greater than ${JITTER_FACTOR} x --leader-elect-retry-period (${retryPeriodMs}ms)`,
    );
  }
  if (leaseDurationMs < 1000)
    throw new Error('--leader-elect-lease-duration must be at least 1s (the Lease stores whole seconds)');
  if (renewDeadlineMs <= 0 || retryPeriodMs <= 0) {
    throw new Error('--leader-elect-renew-deadline and --leader-elect-retry-period must be positive');
  }
}

const EMPTY: LeaderElectionRecord = {
  holderIdentity: '',
  leaseDurationSeconds: 0,
  acquireTime: undefined,
  renewTime: undefined,
  leaderTransitions: 0,
};

export class LeaderElector {
  private observedRecord: LeaderElectionRecord = EMPTY;
  private observedRaw = '';
  private observedTime = 0;
  private reportedLeader = '';
  /** The attempt in flight (an abandoned one may still be writing; release waits for it). */
  private inflight: Promise<boolean> = Promise.resolve(false);
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: (msg: string, fields?: Record<string, unknown>) => void;

  constructor(private readonly cfg: LeaderElectionConfig) {
    validateTimings(cfg.leaseDurationMs, cfg.renewDeadlineMs, cfg.retryPeriodMs);
    this.clock = cfg.clock ?? realClock;
    this.random = cfg.random ?? Math.random;
    this.log = cfg.log ?? (() => {});
    // client-go NewLeaderElector: metrics.leaderOff(name)
    cfg.metrics?.off();
  }

  get identity(): string {
    return this.cfg.lock.identity;
  }

  getLeader(): string {
    return this.observedRecord.holderIdentity;
  }

  isLeader(): boolean {
    return this.observedRecord.holderIdentity === this.cfg.lock.identity;
  }

  /** The record and the local time it was last seen to change (for tests and status). */
  observed(): { record: LeaderElectionRecord; observedTime: number } {
    return { record: this.observedRecord, observedTime: this.observedTime };
  }

  private setObserved(r: LeaderElectionRecord): void {
    this.observedRecord = r;
    this.observedTime = this.clock.now();
  }

  private isLeaseValid(now: number): boolean {
    return this.observedTime + this.observedRecord.leaseDurationSeconds * 1000 > now;
  }

  private maybeReportTransition(): void {
    const holder = this.observedRecord.holderIdentity;
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    this.cfg.callbacks.onNewLeader?.(holder);
  }

  /** One attempt; true when this candidate holds the lock afterwards. Never throws. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const lock = this.cfg.lock;
    const now = this.clock.now();
    const desired = {
      holderIdentity: lock.identity,
      leaseDurationSeconds: Math.floor(this.cfg.leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaderTransitions: 0,
    };
    // 1. fast path: the leader updates optimistically from the record it observed last time.
    if (this.isLeader() && this.isLeaseValid(now)) {
      const rec = {
        ...desired,
        acquireTime: this.observedRecord.acquireTime,
        leaderTransitions: this.observedRecord.leaderTransitions,
      };
      try {
        await lock.update(rec);
        this.setObserved(rec);
        return true;
      } catch (e) {
        this.log('failed to update lock optimistically, falling back to slow path', { error: errMsg(e) });
      }
    }
    // 2. obtain or create the record.
    let got: Awaited<ReturnType<ResourceLock['get']>>;
    try {
      got = await lock.get();
    } catch (e) {
      if (!(e instanceof LockNotFoundError)) {
        this.log('error retrieving resource lock', { lock: lock.describe(), error: errMsg(e) });
        return false;
      }
      try {
        await lock.create(desired);
      } catch (e2) {
        this.log('error initially creating leader election record', { error: errMsg(e2) });
        return false;
      }
      this.setObserved(desired);
      return true;
    }
    // 3. record obtained: restart the local expiry clock whenever it changed.
    if (got.raw !== this.observedRaw) {
      this.setObserved(got.record);
      this.observedRaw = got.raw;
    }
    if (got.record.holderIdentity !== '' && this.isLeaseValid(now) && !this.isLeader()) {
      return false;
    }
    // 4. take over or renew.
    if (this.isLeader()) this.cfg.metrics?.slowpath();
    const rec = this.isLeader()
      ? { ...desired, acquireTime: got.record.acquireTime, leaderTransitions: got.record.leaderTransitions }
      : { ...desired, leaderTransitions: got.record.leaderTransitions + 1 };
    try {
      await lock.update(rec);
    } catch (e) {
      this.log('failed to update lock', { error: errMsg(e) });
      return false;
    }
    this.setObserved(rec);
    return true;
  }

  /** Loops until the lock is acquired (true) or the signal aborts (false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.log('attempting to acquire leader lease', { lock: this.cfg.lock.describe() });
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew();
      this.maybeReportTransition();
      if (ok && !signal.aborted) {
        this.cfg.metrics?.on();
        this.log('successfully acquired lease', { lock: this.cfg.lock.describe(), identity: this.identity });
        return true;
      }
      const period = this.cfg.retryPeriodMs;
      await this.clock.sleep(period + this.random() * JITTER_FACTOR * period, signal);
    }
    return false;
  }

  /**
   * Renews every retryPeriod; each round retries until renewDeadline. Returns 'lost' when a round
   * failed, 'cancelled' when the signal aborted.
   */
  async renew(signal: AbortSignal): Promise<'lost' | 'cancelled'> {
    while (!signal.aborted) {
      const deadline = this.clock.now() + this.cfg.renewDeadlineMs;
      let ok = false;
      while (!signal.aborted) {
        const remaining = deadline - this.clock.now();
        if (remaining <= 0) break;
        this.inflight = this.tryAcquireOrRenew();
        ok = await this.withDeadline(this.inflight, remaining);
        if (ok) break;
        if (deadline - this.clock.now() <= 0) break;
        await this.clock.sleep(
          Math.min(this.cfg.retryPeriodMs, Math.max(0, deadline - this.clock.now())),
          signal,
        );
      }
      this.maybeReportTransition();
      if (signal.aborted) return 'cancelled';
      if (!ok) {
        this.cfg.metrics?.off();
        this.log('failed to renew lease: renew deadline exceeded', {
          lock: this.cfg.lock.describe(),
          renewDeadlineMs: this.cfg.renewDeadlineMs,
        });
        return 'lost';
      }
      await this.clock.sleep(this.cfg.retryPeriodMs, signal);
    }
    return 'cancelled';
  }

  /** The attempt's result, or false once the renew deadline passes (the attempt is then abandoned). */
  private async withDeadline(p: Promise<boolean>, ms: number): Promise<boolean> {
    const ac = new AbortController();
    try {
      return await Promise.race([p, this.clock.sleep(ms, ac.signal).then(() => false)]);
    } finally {
      ac.abort();
    }
  }

  /** Gives the lock up if this candidate holds it: empty holder, leaseDurationSeconds 1. */
  async release(): Promise<boolean> {
    await this.inflight;
    if (!this.isLeader()) return true;
    const now = this.clock.now();
    const rec: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaderTransitions: this.observedRecord.leaderTransitions,
    };
    try {
      await this.cfg.lock.update(rec);
    } catch (e) {
      this.log('failed to release lock', { error: errMsg(e) });
      return false;
    }
    this.setObserved(rec);
    this.log('released leader lease', { lock: this.cfg.lock.describe() });
    return true;
  }

  /**
   * Run as upstream: acquire, lead until renewal fails or `signal` aborts, release if configured, and
   * always end with onStoppedLeading. Resolves to why it stopped.
   */
  async run(signal: AbortSignal): Promise<'lost' | 'cancelled'> {
    let why: 'lost' | 'cancelled' = 'cancelled';
    try {
      if (!(await this.acquire(signal))) return 'cancelled';
      const leading = new AbortController();
      try {
        this.cfg.callbacks.onStartedLeading(leading.signal);
        why = await this.renew(signal);
      } finally {
        leading.abort();
      }
      if (this.cfg.releaseOnCancel) await this.release();
      return why;
    } finally {
      this.cfg.callbacks.onStoppedLeading();
    }
  }
}

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
