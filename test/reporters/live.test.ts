import t from 'tap';
import { type ReporterError, ReporterHub } from '../../src/reporters/hub.ts';
import { LiveReporter, type LiveStream } from '../../src/reporters/live.ts';
import type { Reporter } from '../../src/reporters/types.ts';
import { createManualClock } from '../../src/timeline/clock.ts';
import { TimelineRecorder } from '../../src/timeline/recorder.ts';
import { detectionRun, passingRun } from './fixtures.ts';

class Sink implements LiveStream {
  out = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 80,
  ) {}
  write(s: string) {
    this.out += s;
    return true;
  }
}

function drive(live: Reporter) {
  const clock = createManualClock();
  const rec = new TimelineRecorder(clock);
  const errors: ReporterError[] = [];
  const hub = new ReporterHub([live], (e) => errors.push(e));
  hub.attach(rec);
  return { rec, clock, hub, errors };
}

const START = {
  scenario: 'apiserver-kill',
  target: 'lab',
  preset: 'fast',
  startedAt: '2026-11-22T02:40:00.000Z',
};

async function script(live: Reporter) {
  const { rec, clock, hub, errors } = drive(live);
  await hub.runStart(START);
  rec.record('runner', { type: 'phase', phase: 'observe', state: 'start' });
  for (let i = 0; i < 30; i++) {
    clock.advance(100);
    rec.record('lb-probe', {
      type: 'api.request',
      target: 'lb',
      connection: 'new',
      ok: i < 10 || i >= 20,
      latencyMs: 2,
    });
  }
  rec.record('fault', { type: 'heal.invoke', fault: 'apiserver-kill' });
  await hub.runEnd(passingRun());
  return errors;
}

t.test('not a TTY: plain lines for notable events only, then the verdict', async (t) => {
  const sink = new Sink(false);
  t.same(await script(new LiveReporter({ stream: sink })), [], 'no reporter error');
  t.notMatch(sink.out, /\x1b\[/, 'no escape sequences');
  const lines = sink.out.trimEnd().split('\n');
  t.equal(lines[0], 'ha-drill apiserver-kill on lab (fast) — started 2026-11-22T02:40:00.000Z');
  const masked = lines.slice(1, 6).map((l) => l.replace(/^\s*[\d.]+ s/, '<t>'));
  t.same(masked, [
    '<t> runner       phase observe start',
    '<t> lb-probe     API lb (new) ok',
    '<t> lb-probe     API lb (new) FAIL',
    '<t> lb-probe     API lb (new) ok',
    '<t> fault        heal apiserver-kill',
  ]);
  t.match(lines[6], /^✅ PASS apiserver-kill: 6\/6 SLOs pass$/);
  t.match(sink.out, /✅ lb_failover_s\s+4 s\s+SLO < 30/);
});

t.test('TTY: redrawn in place, throttled, lines cut to the width', async (t) => {
  const sink = new Sink(true, 50);
  await script(new LiveReporter({ stream: sink, throttleMs: 1000, lastEvents: 3 }));
  const redraws = sink.out.split('\x1b[').length - 1;
  t.ok(redraws >= 4 && redraws < 31, `redrawn ${redraws} times, not once per sample`);
  t.match(sink.out, /\x1b\[\d+F\x1b\[0J/, 'moves up and clears the previous block');
  t.match(sink.out, /ha-drill apiserver-kill on lab \(fast\) · phase ob…\n/, 'cut to the terminal width');
  t.match(sink.out, /API via LB: FAILING/);
  const block = sink.out.slice(sink.out.indexOf('\n') + 1, sink.out.indexOf('✅ PASS'));
  for (const line of block.split('\n')) t.ok(line.replace(/\x1b\[\d*[A-Za-z]/g, '').length <= 49, line);
});

t.test('a throwing reporter is isolated', async (t) => {
  const calls: string[] = [];
  const bad: Reporter = {
    name: 'bad',
    onEvent() {
      throw new Error('x');
    },
    onRunEnd() {
      throw new Error('y');
    },
  };
  const good: Reporter = {
    name: 'good',
    onEvent: (e) => calls.push(e.type),
    onPhase: (e) => calls.push(`phase:${e.phase}`),
    onRunEnd: () => {
      calls.push('end');
    },
  };
  const rec = new TimelineRecorder(createManualClock());
  const errors: ReporterError[] = [];
  const hub = new ReporterHub([bad, good], (e) => errors.push(e));
  const off = hub.attach(rec);
  rec.record('r', { type: 'phase', phase: 'inject', state: 'start' });
  off();
  rec.note('r', 'after detach');
  await hub.runEnd(passingRun());
  t.same(calls, ['phase', 'phase:inject', 'end']);
  t.same(
    errors.map((e) => [e.reporter, e.hook, (e.error as Error).message]),
    [
      ['bad', 'onEvent', 'x'],
      ['bad', 'onRunEnd', 'y'],
    ],
  );
});

t.test('by default a reporter error is one line on stderr, not lost', async (t) => {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => lines.push(s) > 0) as typeof process.stderr.write;
  try {
    const bad: Reporter = {
      name: 'bad',
      onRunEnd() {
        throw new Error('disk full');
      },
    };
    await new ReporterHub([bad]).runEnd(passingRun());
  } finally {
    process.stderr.write = write;
  }
  t.same(lines, ['drill: reporter bad failed in onRunEnd (the drill goes on): disk full\n']);
});

t.test('the end of a drill with Prometheus: detection measurements and alert outcomes', async (t) => {
  const sink = new Sink(false);
  const live = new LiveReporter({ stream: sink });
  live.onRunStart(START);
  live.onEvent({
    atMs: 25_000,
    wallTime: '2026-11-22T02:40:25.000Z',
    source: 'alerts',
    type: 'alert',
    alert: 'APIServerDown',
    state: 'firing',
    labels: { alertname: 'APIServerDown', instance: 'cp2' },
  });
  live.onRunEnd(detectionRun());
  t.match(sink.out, '   25.00 s alerts       alert APIServerDown {instance=cp2} firing\n');
  t.match(sink.out, /✅ detect_APIServerDown_s\s+15 s\s+SLO == expected\n/);
  t.match(sink.out, /❌ detect_EtcdHighFsyncDurations_s\s+—\s+SLO == expected\n/);
  t.match(
    sink.out,
    '  ✅ alert APIServerDown{instance="cp2"}: APIServerDown{instance="cp2"} fired 15 s after the fault, inside its window [10, 23.5]; ',
  );
  t.match(
    sink.out,
    '  ❌ alert EtcdHighFsyncDurations: EtcdHighFsyncDurations never fired within its window',
  );
  t.match(
    sink.out,
    '  ❌ unexpected alert EtcdNoLeader{member="cp1"}: unexpected critical alert EtcdNoLeader',
  );
});
