/**
 * The runner's detection waits: `--hold-until-detected` holds while an expected alert has not
 * fired (or, with an Alertmanager, not been notified) and its window is still open; after the heal the run observes while an expected
 * alert that fired is still active and its resolve window is open. Windows of the test stack
 * (test/analysis/alerting.ts): APIServerDown{cp2} detect [10, 23.5] s, resolve [0, 13.5] s.
 */
import t from 'tap';
import { holdMaxMs, undetected, unresolved } from '../../src/runner/detection.ts';
import { alertingContext, CP2 } from '../analysis/alerting.ts';
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
