/** The crash back-off (pure): upstream's numbers and when it resets. */
import t from 'tap';
import { CrashBackoff, UPSTREAM_BACKOFF } from '../../../../src/kube/kubelet/static/backoff.ts';

t.test('upstream values: 10 s doubling to 5 min, reset after 10 min', async (t) => {
  t.same(UPSTREAM_BACKOFF, { initialMs: 10_000, maxMs: 300_000, resetMs: 600_000 });
});

/** Waits after each exit of a container that exits `runMs` after each start. */
const clocks = new WeakMap<CrashBackoff, number>();
function schedule(b: CrashBackoff, exits: number, runMs: number): number[] {
  const waits: number[] = [];
  let now = clocks.get(b) ?? 0;
  for (let i = 0; i < exits; i++) {
    now += runMs; // it ran, then exited
    const finishedAt = now;
    const w = b.remaining(finishedAt, now);
    waits.push(w);
    now += w;
    b.next(finishedAt, now);
  }
  clocks.set(b, now);
  return waits;
}

t.test('first exit restarts at once, then 10, 20, 40 … capped at 300 s', async (t) => {
  t.same(
    schedule(new CrashBackoff(), 9, 1000),
    [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000],
  );
});

t.test('a container that ran more than 10 min since its last restart restarts at once again', async (t) => {
  const b = new CrashBackoff();
  t.same(schedule(b, 3, 1000), [0, 10_000, 20_000]);
  t.same(schedule(b, 2, 600_001), [0, 0], 'expired: at once, and the entry restarts from 10 s');
  t.same(schedule(b, 2, 1000), [10_000, 20_000]);
  const c = new CrashBackoff();
  schedule(c, 2, 1000);
  t.same(schedule(c, 1, 600_000), [20_000], 'exactly 10 min is not past the window');
});

t.test('time already waited counts', async (t) => {
  const b = new CrashBackoff();
  b.next(0, 0); // first restart
  t.equal(b.remaining(5000, 5000), 10_000);
  t.equal(b.remaining(5000, 12_000), 3000);
  t.equal(b.remaining(5000, 20_000), 0);
});
