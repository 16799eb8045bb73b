/**
 * The runner's recovery criteria against the analysis: observation stops by the analysis' own
 * sustained-success rule, so a run the runner calls recovered never gets an RTO lower bound.
 */
import t from 'tap';
import { analyze } from '../../src/analysis/analyze.ts';
import { recoveryMs } from '../../src/analysis/availability.ts';
import type { SustainedRule } from '../../src/analysis/types.ts';
import { apiRecovered, apiSteadyAt, settledSince } from '../../src/runner/recovery.ts';
import type { TimelineEvent } from '../../src/timeline/events.ts';
import { Timeline } from '../analysis/synthetic.ts';

const FAULT = 10_000;
const SLOS = { rto_s: { op: '<', threshold: 60, source: 'default' } } as const;

/** The first prefix of the timeline at which the runner would stop observing, if any. */
function stopAt(events: readonly TimelineEvent[], rule: SustainedRule = {}): number | null {
  for (const e of events) {
    if (e.atMs < FAULT) continue;
    if (
      apiRecovered(
        events.filter((x) => x.atMs <= e.atMs),
        FAULT,
        rule,
      )
    )
      return e.atMs;
  }
  return null;
}

const CASES: Record<string, Timeline> = {
  'clean failover': new Timeline().fault(FAULT).lb(0, 30_000, (x) => !(x >= 10_500 && x < 14_500)),
  flapping: new Timeline()
    .fault(FAULT)
    .lb(0, 30_000, (x) => x < 10_500 || (x >= 12_000 && x < 13_000) || x >= 15_000),
  // The rule the runner used to have ignored this gap: 11–12 s and 20 s on looked like 9 s of success.
  'probe gap inside the success run': new Timeline()
    .fault(FAULT)
    .lb(0, 11_000, (x) => x < 10_500)
    .lb(11_000, 12_000, () => true)
    .lb(20_000, 30_000, () => true),
  'a failure after a sustained window': new Timeline()
    .fault(FAULT)
    .lb(0, 30_000, (x) => !(x >= 10_500 && x < 11_000) && !(x >= 18_000 && x < 19_000)),
  'never recovers': new Timeline().fault(FAULT).lb(0, 30_000, (x) => x < 10_500),
};

for (const [name, tl] of Object.entries(CASES)) {
  t.test(`${name}: the runner stops exactly when the analysis has its recovery point`, (t) => {
    const stop = stopAt(tl.events);
    const rto = analyze(tl.events, { slos: SLOS }).find((m) => m.name === 'rto_s')!;
    if (stop === null) {
      t.equal(rto.lowerBound, true, 'never recovered: the analysis reports a lower bound too');
    } else {
      const seen = tl.events.filter((e) => e.atMs <= stop);
      t.notOk(rto.lowerBound, `stopped at ${stop} ms: RTO is measured, not a lower bound`);
      t.equal(rto.value, (recoveryMs(seen, FAULT)! - FAULT) / 1000, 'the same recovery point');
      const before = tl.events.filter((e) => e.atMs < stop);
      t.notOk(apiRecovered(before, FAULT), 'not one sample earlier');
    }
    t.end();
  });
}

t.test('the probe-gap case: recovered only 3 s after the gap', (t) => {
  t.equal(stopAt(CASES['probe gap inside the success run']!.events), 23_000);
  t.end();
});

t.test('the window length is the one the analysis is given', (t) => {
  const tl = CASES['clean failover']!;
  t.equal(stopAt(tl.events), 17_500, 'default 3 s from 14.5 s');
  t.equal(stopAt(tl.events, { sustainedSuccessMs: 5000 }), 19_500, 'config sustainedSuccessS 5');
  const rto = analyze(tl.events, { slos: SLOS, sustainedSuccessMs: 5000 }).find((m) => m.name === 'rto_s');
  t.equal(rto?.value, 4.5);
  t.end();
});

t.test('apiSteadyAt: the last sustained-success window all good', async (t) => {
  const failingLate = new Timeline().lb(0, 20_000, (ms) => !(ms >= 17_000 && ms < 18_000)).events;
  t.notOk(apiSteadyAt(failingLate, 20_000), 'a failure 2 s ago: not steady (3 s window)');
  t.ok(apiSteadyAt(failingLate, 21_100), 'steady once 3 s passed after it…');
  t.notOk(apiSteadyAt(failingLate, 21_100, { sustainedSuccessMs: 5000 }), '…by the rule given');
  t.ok(apiSteadyAt(new Timeline().events, 5000), 'no API probe: nothing to wait for');
  t.notOk(apiSteadyAt(new Timeline().lb(0, 2000, () => true).events, 2000), 'probes younger than the window');
});

t.test(
  "settledSince: every request sent before a moment has been recorded (the suite's lb-stop run)",
  async (t) => {
    // Both probes up to 14.0 s; the new-connection request sent at 13.227 s times out at 14.227 s and
    // is recorded then: at 14.1 s the new-connection probe has nothing sent after 13.448 s yet.
    const tl = new Timeline()
      .lb(0, 13_200, () => true, 100, 'new')
      .lb(0, 14_000, () => true, 100, 'keepalive');
    t.notOk(settledSince(tl.events, 13_448), 'a request sent before the heal ended may still be in flight');
    tl.add(13_227, {
      type: 'api.request',
      target: 'lb',
      connection: 'new',
      ok: false,
      error: 'timeout after 1000 ms',
      latencyMs: 1000,
    });
    tl.lb(14_227, 14_400, () => true, 100, 'new');
    t.ok(settledSince(tl.events, 13_448), 'once a request sent after it is recorded on each connection kind');
    t.notOk(apiSteadyAt(tl.events, 14_500), 'and the late failure then keeps the run going');
    t.ok(settledSince(new Timeline().events, 5000), 'no API probe: nothing to wait for');
  },
);
