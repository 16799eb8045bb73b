/**
 * Whether the leader Leases (kube-controller-manager, kube-scheduler) are held by a live leader
 * (pure; src/probes/steady.ts reads the Leases).
 *
 * A Lease is held while its renewTime is younger than its leaseDurationSeconds. That alone calls a
 * Lease held for a whole lease duration after its holder stopped: kube-controller-manager and
 * kube-scheduler leave their Lease as it is when they stop, and no candidate takes it before it
 * expires. On the lab a rolling restart stopped the leading controller-manager; the drill's verify,
 * 4 s later, saw its Lease "held" (6 s duration), and the next drill's preflight, 2 s after that,
 * found it expired: 7 s without a controller-manager leader, called steady.
 *
 * A live leader renews every retry period: client-go tools/leaderelection/leaderelection.go
 * `renew` runs `tryAcquireOrRenew` every RetryPeriod (`wait.Until`, then `PollImmediateUntil`
 * every RetryPeriod until RenewDeadline when one fails). So when the retry period is known (the
 * target's `--leader-elect-retry-period`), a Lease whose renewTime lags the other leader Lease's by
 * more than two retry periods and a second is not being renewed: its holder has stopped or cannot
 * reach the API. Comparing the two Leases' renewTimes, both written by cluster nodes, never this
 * machine's clock against the cluster's (only the expiry rule does that, as before, with a whole
 * lease duration of tolerance).
 */

export interface LeaderLease {
  readonly name: string;
  readonly holderIdentity?: string;
  /** renewTime, Unix ms (undefined: none). */
  readonly renewTimeMs?: number;
  readonly leaseDurationS?: number;
}

/** Lease duration assumed when a Lease does not say (client-go's default for the components). */
const DEFAULT_LEASE_DURATION_S = 15;

/** Slack on top of two retry periods: the renew request's own time and a timer running late. */
export const RENEW_LAG_SLACK_S = 1;

/**
 * The problem with each leader Lease, if any: not held (no holder, or expired on this machine's
 * clock), or (with `retryPeriodS`) not renewed for more than 2 × retry period + 1 s behind the
 * other, freshest one.
 */
export function leaderLeaseProblems(
  leases: readonly LeaderLease[],
  nowMs: number,
  retryPeriodS?: number,
): string[] {
  const problems: string[] = [];
  const held = leases.filter((l) => {
    const renew = l.renewTimeMs ?? 0;
    const ok =
      Boolean(l.holderIdentity) && nowMs - renew <= (l.leaseDurationS ?? DEFAULT_LEASE_DURATION_S) * 1000;
    if (!ok) problems.push(`lease ${l.name} not held`);
    return ok;
  });
  if (retryPeriodS === undefined || held.length < 2) return problems;
  const freshest = Math.max(...held.map((l) => l.renewTimeMs ?? 0));
  const maxLagMs = (2 * retryPeriodS + RENEW_LAG_SLACK_S) * 1000;
  for (const l of held) {
    const lagMs = freshest - (l.renewTimeMs ?? 0);
    if (lagMs > maxLagMs)
      problems.push(
        `lease ${l.name} not renewed for ${(lagMs / 1000).toFixed(1)} s longer than the other leader Lease (its holder ${l.holderIdentity} renews every ${retryPeriodS} s: stopped or cut off)`,
      );
  }
  return problems;
}
