/**
 * RPO from the write probe: `write.ack` (acknowledged writes) and the final `readback`.
 *
 * - rpo_lost_writes: acknowledged writes missing at read-back.
 * - rpo_window_s: time span from the first to the last lost write's ack (0 when none lost).
 * - with a snapshot on the timeline (a restore): writes sent after `snapshot.done` are expected
 *   to be lost, writes whose acknowledgement arrived before `snapshot.invoke` must survive
 *   (rpo_pre_snapshot_lost_writes), the others (in flight while the snapshot was taken) may go
 *   either way; the expected window of rpo_lost_writes is [after-done, after-done + in-between].
 *   A `write.ack` is stamped with its send time; it arrived `latencyMs` later.
 */
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';
import { atS } from './format.ts';
import type { Observation, WindowSpec } from './types.ts';

export interface RpoResult {
  readonly lost: Observation;
  readonly window: Observation;
  readonly preSnapshotLost?: Observation;
  readonly expectedLost?: WindowSpec;
}

export function analyzeRpo(events: readonly TimelineEvent[]): RpoResult {
  const acks = eventsOf(events, 'write.ack');
  const readback = eventsOf(events, 'readback').at(-1);
  if (!readback) {
    const none = { value: null, detail: 'no read-back was recorded' };
    return { lost: none, window: none };
  }
  if (acks.length === 0) {
    const none = { value: null, detail: 'no acknowledged writes to check' };
    return { lost: none, window: none };
  }
  const missing = new Set(readback.missing);
  const present = new Set(readback.present);
  const ackBySeq = new Map(acks.map((a) => [a.seq, a]));
  const lostAcks = acks.filter((a) => missing.has(a.seq));
  const unchecked = acks.filter((a) => !missing.has(a.seq) && !present.has(a.seq)).length;
  const uncheckedNote = unchecked ? `; ${unchecked} acked write(s) not covered by the read-back` : '';
  const times = lostAcks.map((a) => a.atMs);
  const windowS = times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : 0;
  const lostSeqs = lostAcks.map((a) => a.seq);
  const lost: Observation = {
    value: lostAcks.length,
    detail: `${acks.length} acknowledged, ${lostAcks.length} missing at read-back${
      lostSeqs.length ? ` (seq ${compactSeqs(lostSeqs)})` : ''
    }${uncheckedNote}`,
  };
  const window: Observation = {
    value: windowS,
    detail: times.length
      ? `lost writes acked between ${atS(Math.min(...times))} and ${atS(Math.max(...times))}`
      : 'no write lost',
  };
  const invoke = eventsOf(events, 'snapshot.invoke')[0];
  const done = eventsOf(events, 'snapshot.done')[0];
  if (!invoke || !done) return { lost, window };
  const before = acks.filter((a) => a.atMs + (a.latencyMs ?? 0) < invoke.atMs);
  const after = acks.filter((a) => a.atMs > done.atMs);
  const between = acks.length - before.length - after.length;
  const preLost = before.filter((a) => missing.has(a.seq));
  const unexpectedMissing = [...missing].filter((s) => !ackBySeq.has(s)).length;
  return {
    lost,
    window,
    preSnapshotLost: {
      value: preLost.length,
      detail: `${before.length} write(s) acked before the snapshot, ${preLost.length} missing${
        unexpectedMissing ? `; ${unexpectedMissing} missing seq(s) were never acknowledged` : ''
      }`,
    },
    expectedLost: {
      min: after.length,
      max: after.length + between,
      formula: `writes acked after the snapshot (${after.length}) + acked during it (${between})`,
    },
  };
}

/** 3,4,5,9 → "3–5, 9" */
export function compactSeqs(seqs: readonly number[]): string {
  const s = [...seqs].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    out.push(j > i ? `${s[i]}–${s[j]}` : `${s[i]}`);
    i = j;
  }
  return out.join(', ');
}
