/**
 * Measurements of a degraded control plane (etcd-disk-latency, network-degrade): not an outage
 * with an end, but how the cluster behaves while the fault is in place, from the fault's effect
 * to its heal (`heal.invoke`; the end of the timeline when there is none).
 *
 * - write_latency_p50_s / write_latency_p99_s: nearest-rank percentiles of the write probe's
 *   latencies (create through the LB: apiserver + etcd commit, what the seeds' "etcd write
 *   < 50 ms" is felt as). A failed write sorts above every acknowledged one (it did not complete:
 *   its latency is unknown), and a percentile that lands on one is a lower bound: the larger of its
 *   own time to fail and the slowest success.
 * - api_latency_p99_s: the same over the availability probes' requests through the LB.
 * - etcd_leader_changes: raft terms with a leader that the etcd probe saw after the fault, above
 *   the highest term seen before it (a term's election that elected no one does not count). The
 *   probe samples: two elections between two of its polls count as one, so the count is a lower
 *   bound of what happened, which the detail says.
 * - readyz_flaps: /readyz of any apiserver going from OK to failing during the fault.
 */
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';
import { percentile } from './stats.ts';
import type { Observation } from './types.ts';

/** The fault window: its effect to the heal's invoke (excluded), or to the last event (included). */
export function faultWindow(
  events: readonly TimelineEvent[],
  faultMs: number,
): { fromMs: number; toMs: number; healed: boolean } {
  const heal = eventsOf(events, 'heal.invoke').find((e) => e.atMs >= faultMs);
  return heal
    ? { fromMs: faultMs, toMs: heal.atMs, healed: true }
    : { fromMs: faultMs, toMs: Math.max(faultMs, ...events.map((e) => e.atMs)), healed: false };
}

/** The fault window's membership test (the heal's instant excluded; without a heal, the last event included). */
export const inWindow = (w: ReturnType<typeof faultWindow>) => (e: TimelineEvent) =>
  e.atMs >= w.fromMs && (w.healed ? e.atMs < w.toMs : e.atMs <= w.toMs);

/** A latency sample; `failed` ones took at least `ms`. */
export interface LatencySample {
  readonly ms: number;
  readonly failed: boolean;
}

/** Nearest-rank percentile `p` of samples, failed ones above every success. */
export function latencyPercentile(samples: readonly LatencySample[], p: number, what: string): Observation {
  if (samples.length === 0) return { value: null, detail: `no ${what} during the fault` };
  const ok = samples
    .filter((s) => !s.failed)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const failed = samples
    .filter((s) => s.failed)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const all = [...ok, ...failed];
  const rank = Math.max(1, Math.ceil((p / 100) * all.length));
  // A failed request's percentile is at least every success (failures sort above them all).
  const v = rank > ok.length ? Math.max(percentile(all, p)!, ok.at(-1) ?? 0) : percentile(all, p)!;
  const failures = failed.length > 0 ? `, ${failed.length} failed` : '';
  const detail = `p${p} of ${samples.length} ${what} during the fault${failures}`;
  return rank > ok.length
    ? {
        value: v / 1000,
        lowerBound: true,
        detail: `${detail}: the percentile is a failed one (at least ${Math.round(v)} ms: its own latency or the slowest success)`,
      }
    : { value: v / 1000, detail };
}

export function writeLatency(events: readonly TimelineEvent[], faultMs: number, p: number): Observation {
  const w = inWindow(faultWindow(events, faultMs));
  const samples: LatencySample[] = [];
  for (const e of events) {
    if (!w(e)) continue;
    if (e.type === 'write.ack' && e.latencyMs !== undefined) samples.push({ ms: e.latencyMs, failed: false });
    else if (e.type === 'write.fail') samples.push({ ms: e.latencyMs ?? 0, failed: true });
  }
  return latencyPercentile(samples, p, 'writes through the LB');
}

export function apiLatency(events: readonly TimelineEvent[], faultMs: number, p: number): Observation {
  const w = inWindow(faultWindow(events, faultMs));
  const samples = eventsOf(events, 'api.request')
    .filter((e) => e.target === 'lb' && w(e))
    .map((e) => ({ ms: e.latencyMs, failed: !e.ok }));
  return latencyPercentile(samples, p, 'API requests through the LB');
}

export function leaderChanges(events: readonly TimelineEvent[], faultMs: number): Observation {
  const statuses = eventsOf(events, 'etcd.status').filter((s) => !s.error && s.raftTerm !== undefined);
  const before = statuses.filter((s) => s.atMs < faultMs);
  if (before.length === 0) return { value: null, detail: 'no etcd status with a raft term before the fault' };
  const term0 = Math.max(...before.map((s) => s.raftTerm!));
  const { toMs } = faultWindow(events, faultMs);
  const terms = new Map<number, string>();
  for (const s of statuses)
    if (s.atMs >= faultMs && s.atMs <= toMs && s.leader && s.raftTerm! > term0)
      terms.set(s.raftTerm!, s.leader);
  const seen = [...terms.entries()].sort((a, b) => a[0] - b[0]);
  return {
    value: seen.length,
    detail:
      seen.length === 0
        ? `no new leader term after term ${term0} (as the etcd probe sampled it)`
        : `term ${term0} → ${seen.map(([t, l]) => `${t} (leader ${l})`).join(', ')}, as the etcd probe sampled it`,
  };
}

export function readyzFlaps(events: readonly TimelineEvent[], faultMs: number): Observation {
  const probes = eventsOf(events, 'readyz');
  const { toMs } = faultWindow(events, faultMs);
  const last = new Map<string, boolean>();
  const flaps = new Map<string, number>();
  let seen = 0;
  for (const e of probes) {
    if (e.atMs >= faultMs && e.atMs <= toMs) {
      seen += 1;
      if (last.get(e.apiserver) === true && !e.ok) flaps.set(e.apiserver, (flaps.get(e.apiserver) ?? 0) + 1);
    }
    last.set(e.apiserver, e.ok);
  }
  if (seen === 0) return { value: null, detail: 'no /readyz probe during the fault' };
  const total = [...flaps.values()].reduce((a, b) => a + b, 0);
  return {
    value: total,
    detail:
      total === 0
        ? `/readyz stayed as it was on every apiserver (${seen} probes)`
        : `OK → failing: ${[...flaps.entries()].map(([a, n]) => `${a} ×${n}`).join(', ')} (${seen} probes)`,
  };
}
