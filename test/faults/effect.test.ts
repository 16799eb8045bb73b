/** The effect time of a command: within its round trip on the run's clock, or none without a clock. */
import t from 'tap';
import { effectWithin, timed } from '../../src/faults/effect.ts';

t.test('timed: the round trip read just before sending and after the answer', async (t) => {
  let now = 500;
  const out = await timed(
    () => now,
    async () => {
      now += 40;
      return 'answer';
    },
  );
  t.same(out, { result: 'answer', trip: { sentMs: 500, answeredMs: 540 } });
  t.same(await timed(undefined, async () => 'answer'), { result: 'answer' }, 'no run clock: no round trip');
});

t.test('effectWithin: the midpoint, with the round trip in how; nothing without a round trip', async (t) => {
  t.same(effectWithin({ sentMs: 500, answeredMs: 540.4 }, 'the kill'), {
    effectAt: { atMs: 520.2, how: 'the kill, 40 ms round trip (midpoint)' },
  });
  t.same(effectWithin(undefined, 'the kill'), {});
});
