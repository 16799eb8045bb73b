// hadrill-test: unit waits (alone: 1.4 s of wall time, 0.2 s of CPU; scripts/run-files.mjs)
import t from 'tap';
import {
  AUTO_BASELINE,
  type BaselineRule,
  parseBaseline,
  silentProbes,
  waitBaseline,
} from '../../src/runner/baseline.ts';
import type { TimelineEvent } from '../../src/timeline/events.ts';
import { TimelineRecorder } from '../../src/timeline/recorder.ts';
import { UserError } from '../../src/util/errors.ts';

t.test('parseBaseline: auto, durations, and what it refuses', (t) => {
  t.same(parseBaseline('auto'), AUTO_BASELINE);
  t.same(parseBaseline('2s'), { kind: 'fixed', ms: 2000 });
  t.same(parseBaseline('10m'), { kind: 'fixed', ms: 600_000 });
  for (const bad of ['500ms', '11m', '3', 'soon', ''])
    t.throws(() => parseBaseline(bad), UserError, `'${bad}' refused`);
  t.end();
});

t.test('silentProbes: only events at or after the start count', (t) => {
  const ev = (source: string, atMs: number) =>
    ({ source, atMs, wallTime: '', type: 'note', message: 'x' }) as TimelineEvent;
  const probes = ['api-lb-new', 'leases'];
  t.same(silentProbes(probes, [ev('api-lb-new', 99)], 100), probes, 'before the start: not heard');
  t.same(silentProbes(probes, [ev('api-lb-new', 99), ev('leases', 100)], 100), ['api-lb-new']);
  t.same(silentProbes(probes, [ev('leases', 150), ev('api-lb-new', 101)], 100), []);
  t.end();
});

/** Runs the baseline on a fresh recorder where `heard` probes already reported; returns its message and length. */
async function baseline(
  rule: BaselineRule,
  probes: readonly string[],
  o: { heard?: readonly string[]; late?: { probe: string; afterMs: number }; abortAfterMs?: number } = {},
): Promise<{ msg: string; took: number }> {
  const r = new TimelineRecorder();
  const startMs = r.clock.nowMs();
  for (const p of o.heard ?? []) r.note(p, 'first sample');
  if (o.late) setTimeout(() => r.note(o.late!.probe, 'late first sample'), o.late.afterMs);
  const ac = new AbortController();
  if (o.abortAfterMs !== undefined) setTimeout(() => ac.abort(), o.abortAfterMs);
  const msg = await waitBaseline({
    rule,
    probes,
    events: () => r.events(),
    nowMs: () => r.clock.nowMs(),
    startMs,
    signal: ac.signal,
    pollMs: 20,
  });
  return { msg, took: r.clock.nowMs() - startMs };
}

t.test('probes rule: ends at the minimum when every probe already reported', async (t) => {
  const { msg, took } = await baseline({ kind: 'probes', minMs: 100, maxMs: 10_000 }, ['a', 'b'], {
    heard: ['a', 'b'],
  });
  t.ok(took >= 100 && took < 5000, `took ${took} ms: well before the maximum`);
  t.match(msg, /every probe reported/);
});

t.test('probes rule: waits for a late probe, then ends at once', async (t) => {
  const { took } = await baseline({ kind: 'probes', minMs: 100, maxMs: 10_000 }, ['a', 'b'], {
    heard: ['a'],
    late: { probe: 'b', afterMs: 300 },
  });
  t.ok(took >= 300 && took < 5000, `took ${took} ms: after the late probe, well before the maximum`);
});

t.test('probes rule: a silent probe is named and the wait ends at the maximum', async (t) => {
  const { msg, took } = await baseline({ kind: 'probes', minMs: 100, maxMs: 400 }, ['a', 'mute'], {
    heard: ['a'],
  });
  t.ok(took >= 400 && took < 3000, `took ${took} ms`);
  t.match(msg, /no observation yet from mute/);
});

t.test('fixed rule: exactly its length, whatever the probes do', async (t) => {
  const { msg, took } = await baseline({ kind: 'fixed', ms: 300 }, ['a'], { heard: ['a'] });
  t.ok(took >= 300 && took < 3000, `took ${took} ms`);
  t.match(msg, /fixed/);
});

t.test('an abort ends the probes rule early', async (t) => {
  const { msg, took } = await baseline({ kind: 'probes', minMs: 50, maxMs: 10_000 }, ['mute'], {
    abortAfterMs: 100,
  });
  t.ok(took < 5000, `took ${took} ms: well before the maximum`);
  t.match(msg, /aborted/);
});
