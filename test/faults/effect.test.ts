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

t.test(
  'effectWithin: the host timing narrows the round trip; a host claiming more is not believed',
  async (t) => {
    const trip = { sentMs: 1000, answeredMs: 1600 };
    // The lab CLI: 400 ms of start-up before the signal, 100 ms of waiting for the exit after it.
    t.same(effectWithin(trip, 'SIGTERM sent', 'stopped\nhadrill-effect lead-ms=400 tail-ms=100'), {
      effectAt: {
        atMs: 1450,
        how: 'SIGTERM sent, 400 ms after sending the command and 100 ms before its answer as its host measured, 600 ms round trip (midpoint of the 100 ms left)',
      },
    });
    t.match(effectWithin(trip, 'SIGTERM sent', 'hadrill-effect lead-ms=500 tail-ms=200'), {
      effectAt: { atMs: 1300, how: 'SIGTERM sent, 600 ms round trip (midpoint)' },
    });
  },
);
