/**
 * The container restart back-off (CrashLoopBackOff), pure, as the kubelet computes it:
 *
 * kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff: for an exited
 * container, `IsInBackOffSince(key, finishedAt)` → wait; else `Next(key, finishedAt)` and start it.
 * staging/src/k8s.io/client-go/util/flowcontrol/backoff.go: no entry → not in back-off; Next on a
 * missing or expired entry sets the initial duration, else doubles it up to the max; in back-off
 * while now − finishedAt < duration. pkg/kubelet/kubelet.go: initialCrashLoopBackOff 10 s,
 * MaxCrashLoopBackOff = MaxContainerBackOff 300 s, and the entry expires (the back-off resets)
 * when a container finishes more than 600 s after its last restart (HasExpiredFunc).
 *
 * So: the first exit restarts at once, the next ones wait 10 s, 20 s, 40 s … 300 s after the exit;
 * a container that ran > 10 min since its last restart restarts at once again.
 */

export interface BackoffParams {
  readonly initialMs: number;
  readonly maxMs: number;
  /** The entry expires when finishedAt − lastRestart exceeds this (upstream 600 s). */
  readonly resetMs: number;
}

export const UPSTREAM_BACKOFF: BackoffParams = { initialMs: 10_000, maxMs: 300_000, resetMs: 600_000 };

export class CrashBackoff {
  private entry: { durationMs: number; lastUpdate: number } | undefined;

  constructor(private readonly p: BackoffParams = UPSTREAM_BACKOFF) {}

  private expired(finishedAt: number): boolean {
    return this.entry === undefined || finishedAt - this.entry.lastUpdate > this.p.resetMs;
  }

  /** How long after `now` a container that finished at `finishedAt` must wait before it restarts (0: now). */
  remaining(finishedAt: number, now: number): number {
    if (this.entry === undefined || this.expired(finishedAt)) return 0;
    return Math.max(0, finishedAt + this.entry.durationMs - now);
  }

  /** Records a restart at `now` (flowcontrol Backoff.Next). */
  next(finishedAt: number, now: number): void {
    if (this.entry === undefined || this.expired(finishedAt)) {
      this.entry = { durationMs: this.p.initialMs, lastUpdate: now };
    } else {
      this.entry = { durationMs: Math.min(this.entry.durationMs * 2, this.p.maxMs), lastUpdate: now };
    }
  }

  /** The current back-off duration (0 before the first restart): what `back-off 20s restarting` says. */
  current(): number {
    return this.entry?.durationMs ?? 0;
  }
}
