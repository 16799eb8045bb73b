/**
 * The built-in background load: a bounded, open-loop request generator through the load balancer
 * (GET of a namespace and LIST of the drill namespace's ConfigMaps, alternating) at a fixed rate,
 * for the whole drill. It does not write one event per request; it keeps counts and latencies and
 * gives a summary (success rate overall and during the fault, p50/p95/p99 latency) for the report.
 */
import https from 'node:https';
import type { LoadSummary } from '../model/result.ts';
import type { KubeAccess } from './kube.ts';
import { DRILL_NAMESPACE } from './writes.ts';

export interface LoadOptions {
  /** Requests per second (default 20; bounded to 200). */
  readonly ratePerS?: number;
  readonly timeoutMs?: number;
  /** At most this many requests in flight; beyond, a tick is counted as dropped. */
  readonly maxInFlight?: number;
}

export interface LoadSample {
  readonly atMs: number;
  readonly ok: boolean;
  readonly latencyMs: number;
}

export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Pure: the summary of the samples, with the success rate inside [faultFromMs, faultToMs]. */
export function summarizeLoad(
  samples: readonly LoadSample[],
  ratePerS: number,
  dropped: number,
  fault?: { fromMs: number; toMs: number },
): LoadSummary {
  const lat = samples
    .filter((s) => s.ok)
    .map((s) => s.latencyMs)
    .sort((a, b) => a - b);
  const during = fault ? samples.filter((s) => s.atMs >= fault.fromMs && s.atMs <= fault.toMs) : [];
  const round = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10);
  return {
    kind: 'builtin',
    requests: samples.length,
    failures: samples.filter((s) => !s.ok).length,
    ratePerS,
    p95LatencyMs: round(percentile(lat, 95)),
    details: {
      p50LatencyMs: round(percentile(lat, 50)),
      p99LatencyMs: round(percentile(lat, 99)),
      dropped,
      ...(fault
        ? {
            duringFaultRequests: during.length,
            duringFaultSuccessRate: during.length
              ? round((100 * during.filter((s) => s.ok).length) / during.length)
              : undefined,
          }
        : {}),
    },
  };
}

export class BuiltinLoad {
  readonly samples: LoadSample[] = [];
  dropped = 0;
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 8 });
  readonly ratePerS: number;

  constructor(
    private readonly kube: KubeAccess,
    private readonly apiUrl: string,
    private readonly nowMs: () => number,
    private readonly o: LoadOptions = {},
  ) {
    this.ratePerS = Math.min(200, Math.max(1, o.ratePerS ?? 20));
  }

  /** Starts the generator; it stops by itself after maxRunMs. */
  start(maxRunMs: number): void {
    let n = 0;
    const until = performance.now() + maxRunMs;
    this.timer = setInterval(() => {
      if (performance.now() > until) return this.stop();
      if (this.inFlight >= (this.o.maxInFlight ?? 32)) {
        this.dropped += 1;
        return;
      }
      n += 1;
      const url =
        n % 2 === 0
          ? `${this.apiUrl}/api/v1/namespaces/default`
          : `${this.apiUrl}/api/v1/namespaces/${DRILL_NAMESPACE}/configmaps?limit=50`;
      const at = this.nowMs();
      this.inFlight += 1;
      void this.kube.get(url, { timeoutMs: this.o.timeoutMs ?? 2000, agent: this.agent }).then((r) => {
        this.inFlight -= 1;
        this.samples.push({ atMs: at, ok: r.ok, latencyMs: r.latencyMs });
      });
    }, 1000 / this.ratePerS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.agent.destroy();
  }

  summary(fault?: { fromMs: number; toMs: number }): LoadSummary {
    return summarizeLoad(this.samples, this.ratePerS, this.dropped, fault);
  }
}
