/**
 * The runner's detection waits: `--hold-until-detected` holds while an expected alert has not
 * fired (or, with an Alertmanager, not been notified) and its window is still open; after the heal the run observes while an expected
 * alert that fired is still active and its resolve window is open. Windows of the test stack
 * (test/analysis/alerting.ts): APIServerDown{cp2} detect [10, 23.5] s, resolve [0, 13.5] s.
 */
import t from 'tap';
import { holdMaxMs, undetected, unresolved } from '../../src/runner/detection.ts';
import { alertingContext, CP2, RULES } from '../analysis/alerting.ts';
import { Timeline } from '../analysis/synthetic.ts';

const ctx = alertingContext();

t.test('hold: until the expected alert fires, or its window has passed', async (t) => {
  const none = new Timeline().events;
  t.same(undetected(none, 10_000, ctx, 20_000), ['APIServerDown'], 'not fired, window open');
  t.same(undetected(none, 10_000, ctx, 10_000 + 23_500 + 1), [], 'window passed: no longer waited for');
  const other = new Timeline().alert(15_000, 'APIServerDown', 'firing', { instance: 'cp1' }).events;
  t.same(undetected(other, 10_000, ctx, 20_000), ['APIServerDown'], 'another instance does not count');
  const before = new Timeline().alert(5_000, 'APIServerDown', 'firing', CP2).events;
  t.same(
    undetected(before, 10_000, ctx, 20_000),
    ['APIServerDown'],
    'firing before the fault does not count',
  );
  // With an Alertmanager (group_wait 10 s) detected means notified too: an alert healed as soon
  // as it fires resolves before group_wait ends and is never notified.
  const fired = new Timeline().alert(18_000, 'APIServerDown', 'firing', CP2);
  t.same(undetected(fired.events, 10_000, ctx, 20_000), ['APIServerDown'], 'fired, not notified yet');
  t.same(undetected(fired.events, 10_000, ctx, 10_000 + 32_500 + 1), [], 'notify window [20, 32.5] passed');
  const notified = fired.notify(29_000, 'APIServerDown', 'firing', CP2).events;
  t.same(undetected(notified, 10_000, ctx, 30_000), []);
  t.same(
    undetected(fired.events, 10_000, alertingContext({ groupWaitS: undefined }), 20_000),
    [],
    'no Alertmanager: firing is enough',
  );
  t.equal(holdMaxMs(ctx), 32_500, 'the notify window ends last');
  t.equal(holdMaxMs(alertingContext({ groupWaitS: undefined })), 23_500);
  const unknownRule = alertingContext({ alerts: { expected: [{ alert: 'NoSuchRule' }] } });
  t.same(undetected(none, 10_000, unknownRule, 11_000), [], 'a rule that is not loaded is not waited for');
  t.equal(holdMaxMs(unknownRule), 0);
});

t.test('after the heal: until the fired alert is inactive, or its resolve window has passed', async (t) => {
  const firing = new Timeline().alert(18_000, 'APIServerDown', 'firing', CP2);
  t.same(unresolved(firing.events, 60_000, ctx, 65_000), ['APIServerDown']);
  t.same(unresolved(firing.events, 60_000, ctx, 60_000 + 13_500 + 1), [], 'window passed');
  const resolved = new Timeline()
    .alert(18_000, 'APIServerDown', 'firing', CP2)
    .alert(64_000, 'APIServerDown', 'inactive', CP2);
  t.same(unresolved(resolved.events, 60_000, ctx, 65_000), []);
  t.same(unresolved(new Timeline().events, 60_000, ctx, 61_000), [], 'never fired: nothing to wait for');
});

t.test('after the heal: a pending alert only while it could still fire in its resolve window', async (t) => {
  // Heal at 60 s, resolve window [0, 13.5] s: the wait ends at 73.5 s at the latest. The probe's
  // answer at 54 s did not list the alert, its answer at 55 s did (pending). Evaluations every 5 s:
  // it went active no sooner than 44 s, and fires no sooner than `for` after that.
  const pending = (extra: { unseenAtMs?: number }) =>
    new Timeline().alert(55_000, 'APIServerDown', 'pending', CP2, extra).events;
  const withFor = (forS: number) =>
    alertingContext({ rules: RULES.map((r) => (r.name === 'APIServerDown' ? { ...r, forS } : r)) });
  t.same(
    unresolved(pending({ unseenAtMs: 54_000 }), 60_000, ctx, 65_000),
    ['APIServerDown'],
    'for: 10s: it may fire at 54 s, before 73.5 s',
  );
  t.same(
    unresolved(pending({ unseenAtMs: 54_000 }), 60_000, withFor(300), 65_000),
    [],
    'for: 5m: it cannot fire before 344 s, long after the wait could end',
  );
  t.same(
    unresolved(pending({ unseenAtMs: 54_000 }), 60_000, withFor(29.5), 65_000),
    ['APIServerDown'],
    'for: 29.5s: it may fire at 73.5 s, the last moment of the wait',
  );
  t.same(
    unresolved(pending({ unseenAtMs: 54_000 }), 60_000, withFor(29.501), 65_000),
    [],
    'for: 29.501s: one millisecond too late',
  );
  t.same(
    unresolved(pending({}), 60_000, withFor(300), 65_000),
    ['APIServerDown'],
    "pending since the probe's first answer: when it went active is unknown, so it is waited for",
  );
  const refired = new Timeline()
    .alert(15_000, 'APIServerDown', 'pending', CP2, { unseenAtMs: 14_000 })
    .alert(26_000, 'APIServerDown', 'firing', CP2).events;
  t.same(
    unresolved(refired, 60_000, withFor(300), 65_000),
    ['APIServerDown'],
    'a firing alert is waited for whatever its for: its resolve_ is measured',
  );
  const severities = alertingContext({
    rules: [
      ...RULES.map((r) => (r.name === 'APIServerDown' ? { ...r, forS: 300 } : r)),
      { ...RULES[0]!, forS: 10, severity: 'warning' },
    ],
  });
  t.same(
    unresolved(pending({ unseenAtMs: 54_000 }), 60_000, severities, 65_000),
    ['APIServerDown'],
    'two rules of that name: the one with the shorter for decides',
  );
});
