import t from 'tap';
import {
  apiOutage,
  lbFailover,
  recoveryMs,
  rto,
  summarizeAvailability,
} from '../../src/analysis/availability.ts';
import { Timeline } from './synthetic.ts';

const FAULT = 10_000;
const summary = (tl: Timeline, extra = {}) => summarizeAvailability(tl.events, { faultMs: FAULT, ...extra });

t.test('clean failover: failures 10.5–14.5 s, then sustained success', (t) => {
  const tl = new Timeline().lb(0, 30_000, (x) => !(x >= 10_500 && x < 14_500));
  const a = summary(tl);
  t.equal(a.firstFailureMs, 10_500);
  t.equal(a.recoveryMs, 14_500);
  t.equal(lbFailover(a).value, 4);
  t.equal(rto(a, FAULT).value, 4.5);
  t.equal(apiOutage(a).value, 4);
  t.notOk(apiOutage(a).lowerBound);
  t.end();
});

t.test('failures before the fault are not counted', (t) => {
  const tl = new Timeline().lb(0, 20_000, (x) => !(x >= 2_000 && x < 3_000));
  const a = summary(tl);
  t.equal(a.firstFailureMs, null);
  t.equal(lbFailover(a).value, 0);
  t.match(lbFailover(a).detail, /no failed request/);
  t.equal(apiOutage(a).value, 0);
  t.equal(rto(a, FAULT).value, 0, 'first post-fault sample opens the success window');
  t.end();
});

t.test('recovery never came: lower bounds', (t) => {
  const tl = new Timeline().lb(0, 30_000, (x) => x < 11_000);
  const a = summary(tl);
  t.equal(a.recoveryMs, null);
  const f = lbFailover(a);
  t.equal(f.lowerBound, true);
  t.equal(f.value, (29_900 - 11_000) / 1000);
  t.match(f.detail, /no sustained success window/);
  t.equal(rto(a, FAULT).lowerBound, true);
  const o = apiOutage(a);
  t.equal(o.lowerBound, true);
  t.equal(o.value, 18.9);
  t.end();
});

t.test('flapping: short success bursts do not count as recovery', (t) => {
  // fail 10.5–12, ok 12–13 (1 s), fail 13–15, ok from 15 on
  const tl = new Timeline().lb(0, 25_000, (x) => x < 10_500 || (x >= 12_000 && x < 13_000) || x >= 15_000);
  const a = summary(tl);
  t.equal(a.recoveryMs, 15_000);
  t.equal(lbFailover(a).value, 4.5);
  t.equal(a.failureRuns, 2);
  t.equal(apiOutage(a).value, 1.5 + 2, 'outage sums both failure runs');
  t.end();
});

t.test('probe gap: a gap breaks the success window and is reported', (t) => {
  // failures 10.5–11, successes 11–12, gap until 20 s, successes after
  const tl = new Timeline()
    .lb(0, 11_000, (x) => x < 10_500)
    .lb(11_000, 12_000, () => true)
    .lb(20_000, 30_000, () => true);
  const a = summary(tl);
  t.same(a.gaps, [{ fromMs: 11_900, toMs: 20_000 }]);
  t.equal(a.recoveryMs, 20_000, 'the run before the gap was < 3 s; recovery is proven only after the gap');
  t.match(lbFailover(a).detail, /1 probe gap\(s\), longest 8.1 s/);
  t.end();
});

t.test('sustained window length and connection variant are options', (t) => {
  const tl = new Timeline()
    .lb(0, 30_000, (x) => !(x >= 10_500 && x < 14_500) && !(x >= 16_000 && x < 16_500))
    .lb(0, 30_000, (x) => x < 10_200 || x >= 20_000, 100, 'keepalive');
  t.equal(summary(tl).recoveryMs, 16_500, 'default 3 s window: 14.5–16 is too short');
  t.equal(summary(tl, { sustainedSuccessMs: 1000 }).recoveryMs, 14_500);
  const ka = summary(tl, { connection: 'keepalive' });
  t.equal(ka.firstFailureMs, 10_200);
  t.equal(ka.recoveryMs, 20_000);
  t.end();
});

t.test('no samples after the fault: unknown', (t) => {
  const a = summary(new Timeline().lb(0, 5_000, () => true));
  t.equal(lbFailover(a).value, null);
  t.equal(rto(a, FAULT).value, null);
  t.equal(apiOutage(a).value, null);
  t.end();
});

t.test('recoveryMs: the sustained-success rule on the timeline so far', (t) => {
  // failures 10.5–12, successes 12–13.5, gap until 20 s, successes 20–30 s
  const tl = new Timeline()
    .lb(0, 12_000, (x) => x < 10_500)
    .lb(12_000, 13_500, () => true)
    .lb(20_000, 30_000, () => true);
  const upTo = (ms: number) => tl.events.filter((e) => e.atMs <= ms);
  t.equal(recoveryMs(upTo(20_000), FAULT), null, 'a gap breaks the window: 12–20 s is not 8 s of success');
  t.equal(recoveryMs(upTo(22_900), FAULT), null, '2.9 s after the gap is not yet 3 s');
  t.equal(recoveryMs(upTo(23_000), FAULT), 20_000, 'recovered once 3 s of success follow the gap');
  t.equal(recoveryMs(tl.events, FAULT), summary(tl).recoveryMs, 'the same rule as the analysis');
  t.equal(
    recoveryMs(upTo(20_000), FAULT, { maxProbeGapMs: 10_000 }),
    12_000,
    'a longer allowed gap keeps the window open',
  );
  t.equal(
    recoveryMs(upTo(13_400), FAULT, { sustainedSuccessMs: 1000 }),
    12_000,
    'window length is a parameter',
  );
  t.equal(recoveryMs(tl.events, 20_500), 20_500, 'from a later start with no failure: its first sample');
  t.equal(recoveryMs([], FAULT), null, 'no samples: not recovered');
  t.end();
});

t.test('recoveryMs: once found, later samples never move it (what lets the runner stop)', (t) => {
  const tl = new Timeline()
    .lb(0, 40_000, (x) => !(x >= 10_500 && x < 12_000) && !(x >= 16_000 && x < 16_400))
    .lb(0, 40_000, (x) => x < 10_200 || x >= 25_000, 100, 'keepalive');
  let first: number | null = null;
  for (const e of tl.events) {
    const r = recoveryMs(
      tl.events.filter((x) => x.atMs <= e.atMs),
      FAULT,
    );
    if (first === null) first = r;
    else t.equal(r, first, `unchanged at ${e.atMs} ms`);
  }
  t.equal(first, 12_000, 'a later flap does not undo a sustained window already seen');
  t.equal(recoveryMs(tl.events, FAULT, { connection: 'keepalive' }), 25_000, 'per probe variant');
  t.end();
});

t.test('still failing when the heal began: back only with the heal, a lower bound', (t) => {
  // A single LB stopped at 10.5 s; the drill heals at 30 s; the API answers from 30.2 s on.
  const tl = new Timeline().lb(0, 40_000, (x) => x < 10_500 || x >= 30_200);
  const healed = summary(tl, { healMs: 30_000 });
  t.equal(healed.openAtHeal, true);
  t.equal(healed.recoveryMs, null, 'no recovery of its own');
  const o = apiOutage(healed);
  t.equal(o.lowerBound, true);
  t.equal(o.value, (29_900 - 10_500) / 1000, 'until the last sample before the heal');
  t.match(o.detail, /still failing when the heal began: back only with the heal/);
  t.equal(rto(healed, FAULT).lowerBound, true);
  t.equal(lbFailover(healed).lowerBound, true);
  // The same timeline without the heal's time: the recovery the heal brought counts (as before).
  const naive = summary(tl);
  t.equal(naive.recoveryMs, 30_200);
  t.notOk(apiOutage(naive).lowerBound);
  t.end();
});

t.test('recovered before the heal: a failure run the heal causes still counts', (t) => {
  // Failover 10.5–14.5 s, heal at 20 s, the VIP going back to its MASTER fails 20.1–20.6 s.
  const tl = new Timeline().lb(
    0,
    30_000,
    (x) => !(x >= 10_500 && x < 14_500) && !(x >= 20_100 && x < 20_600),
  );
  const a = summary(tl, { healMs: 20_000 });
  t.equal(a.openAtHeal, false);
  t.equal(a.recoveryMs, 14_500);
  t.equal(apiOutage(a).value, 4 + 0.5, 'both failure runs');
  t.notOk(apiOutage(a).lowerBound);
  t.end();
});

t.test('one failed request right before the heal is not an outage the heal ended', (t) => {
  // Intermittent failures (every 3rd sample from 10.5 s: cert-expiry's refused handshakes), heal at 20 s.
  const tl = new Timeline().lb(0, 30_000, (x) => x < 10_500 || x >= 20_000 || (x / 100) % 3 !== 1);
  const last = tl.events.filter((e) => e.type === 'api.request' && e.atMs < 20_000).at(-1) as { ok: boolean };
  t.equal(last.ok, false, 'the sample right before the heal failed');
  const a = summary(tl, { healMs: 20_000 });
  t.equal(a.openAtHeal, false);
  t.notOk(apiOutage(a).lowerBound, 'the outage is the failed samples, measured to the next success');
  t.end();
});
