/**
 * The VIP probe (src/probes/etcd.ts `vipProbe`) against a stand-in target whose readings take as
 * long as an ssh reading does while one LB's link is down (1 s, its timeout): each change is
 * stamped with the time its reading was sent, not when the slowest LB gave up.
 */
import t from 'tap';
import { vipProbe } from '../../src/probes/etcd.ts';
import type { ProbeContext } from '../../src/probes/types.ts';
import type { Target } from '../../src/targets/types.ts';
import { createManualClock } from '../../src/timeline/clock.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { TimelineRecorder } from '../../src/timeline/recorder.ts';

t.test('a change is stamped when its reading was sent, however long the reading took', async (t) => {
  const clock = createManualClock();
  const recorder = new TimelineRecorder(clock);
  const stop = new AbortController();
  // Readings as [holder, how long the reading takes]: lb1 answers at once; then lb1's link is down
  // and every reading waits out its 1 s timeout; lb2 holds the VIP from the third on.
  const readings: [string | null, number][] = [
    ['lb1', 20],
    [null, 1000],
    ['lb2', 1000],
    ['lb2', 1000],
  ];
  const sentAt: number[] = [];
  const target = {
    topology: { vip: '198.18.0.10' },
    async vipHolder() {
      const next = readings.shift();
      if (!next) {
        stop.abort();
        return 'lb2';
      }
      sentAt.push(clock.nowMs());
      clock.advance(next[1]);
      return next[0];
    },
  } as unknown as Target;
  const ctx = {
    target,
    sink: recorder.sink('vip'),
    nowMs: () => recorder.clock.nowMs(),
    signal: stop.signal,
    maxRunMs: 10_000,
  } as unknown as ProbeContext;
  await vipProbe({ intervalMs: 1 }).run(ctx);
  const vip = eventsOf(recorder.events(), 'vip');
  t.same(
    vip.map((e) => [e.holder, e.atMs]),
    [
      ['lb1', sentAt[0]],
      [null, sentAt[1]],
      ['lb2', sentAt[2]],
    ],
    'each holder at its reading’s send time',
  );
  t.equal(sentAt[2], 1020, 'lb2 seen in the reading sent at 1.02 s, recorded then, not at 2.02 s');
});
