import t from 'tap';
import { createManualClock, createRunClock } from '../../src/timeline/clock.ts';
import type { TimelineEvent } from '../../src/timeline/events.ts';
import { parseTimelineJsonl, TimelineParseError, toTimelineJsonl } from '../../src/timeline/jsonl.ts';
import { TimelineRecorder } from '../../src/timeline/recorder.ts';

t.test('recorder stamps events with the run clock and notifies subscribers', (t) => {
  const clock = createManualClock('2026-11-22T02:40:00.000Z');
  const rec = new TimelineRecorder(clock);
  const seen: TimelineEvent[] = [];
  const off = rec.subscribe((e) => seen.push(e));
  clock.advance(1500);
  const probe = rec.sink('lb-probe');
  const e = probe.record({
    type: 'api.request',
    target: 'lb',
    connection: 'new',
    ok: true,
    status: 200,
    latencyMs: 3,
  });
  t.same(e, {
    atMs: 1500,
    wallTime: '2026-11-22T02:40:01.500Z',
    source: 'lb-probe',
    type: 'api.request',
    target: 'lb',
    connection: 'new',
    ok: true,
    status: 200,
    latencyMs: 3,
  });
  off();
  rec.note('runner', 'after unsubscribe');
  t.equal(seen.length, 1);
  t.equal(rec.size, 2);
  t.end();
});

t.test('a thrown error becomes an event; a throwing subscriber is dropped, not fatal', (t) => {
  const rec = new TimelineRecorder(createManualClock());
  rec.subscribe(() => {
    throw new Error('render failed');
  });
  rec.error('etcd-probe', new TypeError('boom'), 'status');
  rec.error('etcd-probe', 'plain string');
  rec.error('etcd-probe', { code: 7 });
  const evs = rec.events();
  const errors = evs.filter((e) => e.type === 'error');
  t.equal(errors.length, 4, 'three recorded errors + the subscriber failure');
  t.match(errors[0], {
    type: 'error',
    message: 'boom',
    name: 'TypeError',
    during: 'status',
    source: 'etcd-probe',
  });
  t.match(errors[1], {
    type: 'error',
    message: 'render failed',
    during: 'timeline subscriber',
    source: 'timeline',
  });
  t.match(errors[2], { message: 'plain string' });
  t.match(errors[3], { message: '{"code":7}' });
  t.end();
});

t.test('run clock is monotonic even if the source goes backwards; wall clock may skew', (t) => {
  let mono = 1000;
  let wall = Date.parse('2026-01-01T00:00:00Z');
  const clock = createRunClock({ monotonicMs: () => mono, wallMs: () => wall });
  mono = 1200;
  t.equal(clock.nowMs(), 200);
  mono = 1100;
  t.equal(clock.nowMs(), 200, 'never decreases');
  wall -= 60_000;
  t.equal(clock.wallTime(), '2025-12-31T23:59:00.000Z');
  const real = createRunClock();
  const a = real.nowMs();
  t.ok(real.nowMs() >= a && a >= 0);
  t.end();
});

t.test('timeline.jsonl round-trips and names bad lines', (t) => {
  const clock = createManualClock();
  const rec = new TimelineRecorder(clock);
  rec.record('runner', { type: 'phase', phase: 'inject', state: 'start' });
  clock.advance(12.5);
  rec.record('fault', {
    type: 'fault.invoke',
    fault: 'apiserver-kill',
    target: { host: 'cp2', ip: '198.18.0.12' },
  });
  rec.record('fault', {
    type: 'fault.proof',
    fault: 'apiserver-kill',
    proof: { kind: 'rule-in-place', host: 'cp1', rules: ['-A INPUT -p tcp --dport 2380 -j DROP'] },
  });
  rec.record('w', { type: 'readback', present: [1, 2], missing: [3] });
  rec.record('n', { type: 'note', message: 'unicode ✓ "quoted"\nnewline', data: { a: [1, { b: null }] } });
  const text = toTimelineJsonl(rec.events());
  t.equal(text.split('\n').length, 6, 'one line per event plus trailing newline');
  t.same(parseTimelineJsonl(text), rec.events());
  t.same(parseTimelineJsonl(''), []);
  t.equal(toTimelineJsonl([]), '');
  const bad = `${text.split('\n')[0]}\n{"atMs":1,"wallTime":"x","source":"s","type":"nope"}\n`;
  t.throws(() => parseTimelineJsonl(bad), {
    name: 'TimelineParseError',
    line: 2,
    message: /line 2: unknown event type "nope"/,
  });
  t.throws(() => parseTimelineJsonl('{oops'), TimelineParseError);
  t.throws(() => parseTimelineJsonl('[1]'), { message: /line 1: expected a JSON object/ });
  t.throws(() => parseTimelineJsonl('{"atMs":"1","wallTime":"x","source":"s","type":"note"}'), {
    message: /atMs/,
  });
  t.end();
});

t.test('back-dated events: send time stamped on completion, sorted, never in the future', (t) => {
  const clock = createManualClock('2026-11-22T02:40:00.000Z');
  const rec = new TimelineRecorder(clock);
  const sink = rec.sink('lb-probe');
  clock.advance(1000);
  rec.note('runner', 'at 1000');
  clock.advance(500);
  const e = sink.record(
    { type: 'api.request', target: 'lb', connection: 'new', ok: false, error: 'timeout', latencyMs: 1000 },
    500,
  );
  t.equal(e.atMs, 500);
  t.equal(e.wallTime, '2026-11-22T02:40:00.500Z', 'wall time of the send, not of the record');
  t.equal(rec.record('x', { type: 'note', message: 'future' }, 99_999).atMs, 1500, 'clamped to now');
  t.same(
    rec.events().map((x) => x.atMs),
    [500, 1000, 1500],
  );
  let mono = 0;
  const real = createRunClock({ monotonicMs: () => mono, wallMs: () => Date.parse('2026-01-01T00:00:10Z') });
  mono = 4000;
  t.equal(real.wallTime(1000), '2026-01-01T00:00:07.000Z');
  t.end();
});
