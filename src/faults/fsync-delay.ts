/**
 * Delay the fsync/fdatasync calls of one or more etcd members (etcd-disk-latency): a slow disk as
 * etcd sees it, injected with strace on the member's host (src/targets/kubeadm-fsync.ts). Proof:
 * the injector traces the member, and the member's own WAL fsync histogram
 * (`etcd_disk_wal_fsync_duration_seconds`) shows the calls since the injection taking at least
 * 80 % of the delay on average. Heal: the injector ends (the host also ends it by itself after
 * `forS`), and the member has no tracer.
 */

import { parseFsyncMetrics } from '../targets/kubeadm-fsync.ts';
import type { Target } from '../targets/types.ts';
import { waitFor } from '../util/time.ts';
import { effectWithin, timed } from './effect.ts';
import { type Fault, failed, type InjectOutcome, runAction, step } from './types.ts';

export interface FsyncDelayOptions {
  /** The hosts of the members to slow down, with their member names. */
  readonly members: readonly { readonly host: string; readonly member: string }[];
  readonly delayMs: number;
  /** How long the host keeps the injector at most (the observation plus any hold), s. */
  readonly forS: number;
  /** How long the proof waits for the histogram to show the delay (default 20 s). */
  readonly proofTimeoutMs?: number;
}

/** What the proof asks of the histogram: enough calls since the injection, and slow enough. */
export const PROOF_MIN_SAMPLES = 3;
export const PROOF_MIN_FRACTION = 0.8;

interface Histogram {
  readonly sumS: number;
  readonly count: number;
}

async function readHistogram(target: Target, host: string): Promise<Histogram> {
  const r = await runAction(target, { kind: 'etcd-fsync-metrics', host }, 15_000);
  if (r.code !== 0) throw failed(r, `reading etcd's WAL fsync histogram`);
  const h = parseFsyncMetrics(r.stdout);
  if (!h)
    throw new Error(
      `etcd's WAL fsync histogram on ${host}: unexpected output '${r.stdout.trim().slice(0, 120)}'`,
    );
  return h;
}

/** Mean duration and number of the calls between two readings of the histogram. */
export function sinceReading(before: Histogram, after: Histogram): { meanS: number; samples: number } {
  const samples = after.count - before.count;
  return { samples, meanS: samples > 0 ? (after.sumS - before.sumS) / samples : 0 };
}

export function fsyncDelayFault(o: FsyncDelayOptions): Fault {
  const hosts = o.members.map((m) => m.host);
  const names = o.members.map((m) => m.member);
  const label =
    hosts.length === 1 ? `etcd member ${names[0]} on ${hosts[0]}` : `etcd members ${names.join(', ')}`;
  return {
    name: 'fsync-delay',
    // A slow member stays a member: no interlock counts it as lost (the leader may move).
    impact: hosts.map((host) => ({ kind: 'other', host }) as const),
    aim: { host: hosts.join(','), ...(names.length === 1 ? { member: names[0] } : {}) },
    summary: `fsync/fdatasync of ${label} delayed by ${o.delayMs} ms (strace)`,
    plan: (target) =>
      hosts.flatMap((host) => [
        step(target, 'inject', { kind: 'etcd-fsync-metrics', host }, 'etcd metrics readable'),
        step(
          target,
          'inject',
          { kind: 'delay-fsync', host, delayMs: o.delayMs, forS: o.forS },
          `strace traces etcd, each fsync/fdatasync held ${o.delayMs} ms; the host ends it after ${o.forS} s`,
        ),
        step(
          target,
          'prove',
          { kind: 'etcd-fsync-metrics', host },
          `(read once attached, then polled) WAL fsync mean since the injector attached ≥ ${PROOF_MIN_FRACTION * 100} % of ${o.delayMs} ms over ≥ ${PROOF_MIN_SAMPLES} calls`,
        ),
        step(target, 'heal', { kind: 'undelay-fsync', host }, 'the injector ends; etcd has no tracer'),
        step(target, 'verify-heal', { kind: 'undelay-fsync', host }, 'exits 0: etcd has no tracer'),
      ]),
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      for (const host of hosts) {
        const state = await runAction(target, { kind: 'fsync-delay-state', host });
        if (state.code === 4) return { effect: false, reason: state.stderr.trim() };
        await readHistogram(target, host); // the metrics are readable before anything is injected
      }
      const tracers: number[] = [];
      const trips = [];
      for (const host of hosts) {
        const { result, trip } = await timed(nowMs, () =>
          runAction(target, { kind: 'delay-fsync', host, delayMs: o.delayMs, forS: o.forS }, 30_000),
        );
        if (result.code === 4) return { effect: false, reason: result.stderr.trim() };
        if (result.code !== 0) throw failed(result, `delaying etcd's fsync on ${host}`);
        tracers.push(Number(result.stdout.trim().split(/\s+/)[1]) || 0);
        trips.push(trip);
      }
      // Proof: every member's histogram shows the delay over the calls since the injector
      // attached (read after it did, so no call from before dilutes the mean).
      const before = new Map<string, Histogram>();
      for (const host of hosts) before.set(host, await readHistogram(target, host));
      const floorS = (PROOF_MIN_FRACTION * o.delayMs) / 1000;
      const readings = () =>
        Promise.all(hosts.map(async (h) => sinceReading(before.get(h)!, await readHistogram(target, h))));
      const seen = await waitFor(
        async () => {
          const now = await readings();
          return now.every((s) => s.samples >= PROOF_MIN_SAMPLES && s.meanS >= floorS) ? now : undefined;
        },
        {
          timeoutMs: o.proofTimeoutMs ?? 20_000,
          intervalMs: 500,
          what: 'the WAL fsync histogram to show the delay',
        },
      ).catch(() => undefined);
      if (!seen) {
        const last = await readings().catch(() => []);
        const said = last
          .map((s, i) => `${hosts[i]}: ${s.samples} calls, mean ${(s.meanS * 1000).toFixed(1)} ms`)
          .join('; ');
        return {
          effect: false,
          reason: `strace is attached (pid ${tracers.join(', ')}) but etcd's WAL fsync histogram does not show the ${o.delayMs} ms delay (${said || 'unreadable'}): no writes reached the member, or the injection does not hold the calls`,
        };
      }
      const lowest = seen.reduce((a, b) => (b.meanS < a.meanS ? b : a));
      // Each member is slowed from the moment its injector attached: the first one's round trip.
      return {
        effect: true,
        proof: {
          kind: 'syscall-delayed',
          host: hosts.join(','),
          process: 'etcd',
          syscalls: ['fsync', 'fdatasync'],
          delayMs: o.delayMs,
          tracerPids: tracers,
          observedMeanS: Math.round(lowest.meanS * 1e6) / 1e6,
          samples: lowest.samples,
        },
        ...effectWithin(trips[0], 'strace attached to etcd'),
      };
    },
    async heal({ target }) {
      const done: string[] = [];
      for (const host of hosts) {
        const r = await runAction(target, { kind: 'undelay-fsync', host }, 30_000);
        if (r.code !== 0) throw failed(r, `ending the fsync delay on ${host}`);
        done.push(`${host}: ${r.stdout.trim()}`);
      }
      return done.join('; ');
    },
  };
}
