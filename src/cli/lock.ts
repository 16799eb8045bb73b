/**
 * The drill's hold on its cluster (src/safety/cluster-lock.ts): journaled, then taken before the
 * first fault; renewed while the drill runs, by a loop that stops by itself; released after the
 * verified heal — or kept, when a fault is still pending, until `recover` heals and releases it.
 * The Lease `kube-system/ha-drill` shows it (best effort, src/safety/lock-lease.ts).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { KubeAccess } from '../probes/kube.ts';
import {
  acquireClusterLock,
  type HeldClusterLock,
  lockHosts,
  lockPathOf,
  lockProblems,
  releaseClusterLock,
  renewClusterLock,
} from '../safety/cluster-lock.ts';
import type { HealJournal, TargetRef } from '../safety/journal.ts';
import { deleteLockLease, LOCK_LEASE, writeLockLease } from '../safety/lock-lease.ts';
import type { Target } from '../targets/types.ts';
import { messageOf } from '../util/errors.ts';

/** After the deadline, the heal, its verification and the reports: the lock outlives the deadline by this. */
export const LOCK_MARGIN_S = 600;
/** How often the lock is renewed while the drill runs. */
export const LOCK_RENEW_MS = 60_000;
/** Past the deadline plus this, the renewal stops by itself (the lock then expires). */
export const LOCK_RENEW_LIMIT_MS = 3600_000;

export interface DrillLock {
  readonly lock: HeldClusterLock;
  /** Stops the renewal; releases the lock unless a fault is still pending in the journal. Never throws. */
  end(): Promise<void>;
}

export interface HoldOptions {
  readonly target: Target;
  readonly kube?: Pick<KubeAccess, 'request'>;
  readonly journal: HealJournal;
  readonly ref: TargetRef;
  readonly scenarios: readonly string[];
  readonly deadlineMs: number;
  readonly log: (line: string) => void;
  readonly renewEveryMs?: number;
  /** Past the deadline plus this, the renewal stops (default LOCK_RENEW_LIMIT_MS). */
  readonly renewLimitMs?: number;
  readonly marginS?: number;
}

function whoAmI(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** The lock's line of a dry-run plan. */
export function lockPlanLine(target: Target): string {
  return `lock: ${lockPathOf(target.profile)} on ${lockHosts(target).join(', ')} (a majority must take it; a drill holding it makes this one exit 3), Lease ${LOCK_LEASE.namespace}/${LOCK_LEASE.name} for visibility; released after the verified heal`;
}

export async function holdClusterLock(o: HoldOptions): Promise<DrillLock> {
  const drillId = `${Date.now().toString(36)}-${process.pid}`;
  const holder = `${whoAmI()}@${os.hostname()} pid ${process.pid} drill ${drillId} (${o.scenarios.join(', ')})`;
  const token = crypto.randomBytes(16).toString('hex');
  const marginS = o.marginS ?? LOCK_MARGIN_S;
  const startedMs = Date.now();
  const ttlS = () => Math.max(0, startedMs + o.deadlineMs - Date.now()) / 1000 + marginS;
  const path = lockPathOf(o.target.profile);
  const id = `lock-${drillId}`;
  // Journaled first: a drill killed while taking it leaves an entry `recover` releases.
  o.journal.lockTaken({ id, target: o.ref, lock: { token, path, hosts: lockHosts(o.target), holder } });
  let lock: HeldClusterLock;
  try {
    lock = await acquireClusterLock(o.target, { token, holder, ttlS: ttlS() });
  } catch (err) {
    o.journal.lockReleased(id);
    throw err;
  }
  for (const r of lock.replaced)
    o.log(`took over the expired cluster lock of ${r.info.holder ?? 'an unknown holder'} on ${r.host}`);
  for (const u of lock.unreachable) o.log(`cluster lock: ${u.host} did not answer (${u.why})`);
  o.log(`cluster lock taken on ${lock.hosts.join(', ')} (${path}, expires ${lock.expiresAt ?? '?'})`);
  const lease = (what: string, p: Promise<string | undefined>) =>
    p.then((why) => {
      if (why) o.log(`Lease ${LOCK_LEASE.namespace}/${LOCK_LEASE.name} not ${what}: ${why}`);
    });
  const apiUrl = o.target.topology.apiUrl;
  // Not awaited (never blocks the drill); renewals and the release wait for it (no delete before it).
  let leaseWrite = o.kube ? lease('written', writeLockLease(o.kube, apiUrl, holder, ttlS())) : undefined;

  let expiresAt = lock.expiresAt ?? '?';
  const said = new Set<string>();
  let inFlight: Promise<void> | undefined;
  const renew = setInterval(() => {
    if (Date.now() > startedMs + o.deadlineMs + (o.renewLimitMs ?? LOCK_RENEW_LIMIT_MS)) {
      clearInterval(renew);
      o.log(
        `cluster lock no longer renewed (the drill ran far past its deadline); it expires in ${marginS} s`,
      );
      return;
    }
    if (inFlight) return;
    inFlight = (async () => {
      const states = await renewClusterLock(o.target.executor, lock, ttlS());
      for (const s of states) if (s.status === 'taken' && s.info.expiresAt) expiresAt = s.info.expiresAt;
      for (const p of lockProblems(states))
        if (!said.has(p)) {
          said.add(p);
          o.log(`cluster lock not renewed: ${p}`);
        }
      if (o.kube) {
        await leaseWrite;
        leaseWrite = lease('renewed', writeLockLease(o.kube, apiUrl, holder, ttlS()));
        await leaseWrite;
      }
    })().finally(() => {
      inFlight = undefined;
    });
  }, o.renewEveryMs ?? LOCK_RENEW_MS);
  renew.unref();

  return {
    lock,
    end: () =>
      end().catch((err: unknown) => o.log(`cluster lock: ${messageOf(err)} (it expires ${expiresAt})`)),
  };

  async function end(): Promise<void> {
    clearInterval(renew);
    await inFlight;
    if (o.journal.pending().length > 0) {
      o.log(
        `cluster lock kept (expires ${expiresAt}): a fault is still pending; 'npm run drill -- recover' heals it and releases the lock`,
      );
      return;
    }
    const states = await releaseClusterLock(o.target.executor, lock);
    for (const p of lockProblems(states)) o.log(`cluster lock not released: ${p}`);
    if (states.some((s) => s.status === 'error'))
      o.log(
        `the lock left there expires by itself (${expiresAt}); 'npm run drill -- recover' retries the release`,
      );
    else {
      o.journal.lockReleased(id);
      o.log(`cluster lock released on ${lock.hosts.join(', ')}`);
    }
    if (o.kube) {
      await leaseWrite;
      await lease('deleted', deleteLockLease(o.kube, apiUrl, holder));
    }
  }
}
