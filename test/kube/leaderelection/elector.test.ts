import t from 'tap';
import type { LeaderCallbacks } from '../../../src/kube/leaderelection/elector.ts';
import { JITTER_FACTOR, LeaderElector, validateTimings } from '../../../src/kube/leaderelection/elector.ts';
import { FakeClock, FakeLock, MemoryStore } from './fakes.ts';

const LEASE = 15_000;
const RENEW = 10_000;
const RETRY = 2_000;

function candidate(
  store: MemoryStore,
  clock: FakeClock,
  id: string,
  extra: Partial<LeaderCallbacks> = {},
  release = false,
) {
  const events: string[] = [];
  const el = new LeaderElector({
    lock: new FakeLock(store, id),
    leaseDurationMs: LEASE,
    renewDeadlineMs: RENEW,
    retryPeriodMs: RETRY,
    releaseOnCancel: release,
    clock,
    random: () => 0,
    callbacks: {
      onStartedLeading: () => events.push(`started@${clock.now()}`),
      onStoppedLeading: () => events.push(`stopped@${clock.now()}`),
      onNewLeader: (l) => events.push(`leader:${l}`),
      ...extra,
    },
  });
  return { el, events };
}

t.test('validateTimings names the flags to fix', async (t) => {
  t.throws(
    () => validateTimings(10_000, 10_000, 2_000),
    /lease-duration .* must be greater than --leader-elect-renew-deadline/,
  );
  t.throws(
    () => validateTimings(15_000, 2_000, 2_000),
    /renew-deadline .* greater than 1.2 x --leader-elect-retry-period/,
  );
  t.doesNotThrow(() => validateTimings(15_000, 10_000, 2_000));
});

t.test('first candidate creates the lease: holder, duration in seconds, 0 transitions', async (t) => {
  const store = new MemoryStore();
  const clock = new FakeClock();
  const { el } = candidate(store, clock, 'a_1');
  t.equal(await el.tryAcquireOrRenew(), true);
  t.match(store.record, { holderIdentity: 'a_1', leaseDurationSeconds: 15, leaderTransitions: 0 });
  t.equal(store.record?.acquireTime, clock.now());
  t.ok(el.isLeader());
  // renewal keeps acquireTime and transitions, moves renewTime
  await clock.advance(2_000);
  t.equal(await el.tryAcquireOrRenew(), true);
  t.equal(store.record?.acquireTime, clock.now() - 2_000);
  t.equal(store.record?.renewTime, clock.now());
  t.equal(store.record?.leaderTransitions, 0);
});

t.test('a candidate waits a full lease duration on its own clock, whatever renewTime says', async (t) => {
  const store = new MemoryStore();
  const clock = new FakeClock();
  const a = candidate(store, clock, 'a_1');
  await a.el.tryAcquireOrRenew();
  // The holder's clock was far behind: renewTime looks ancient to b. b must not take over early.
  store.record = { ...store.record!, renewTime: 0, acquireTime: 0 };
  const b = candidate(store, clock, 'b_2');
  t.equal(await b.el.tryAcquireOrRenew(), false, 'record just observed: lease valid');
  t.equal(b.el.getLeader(), 'a_1');
  await clock.advance(LEASE - 1);
  t.equal(await b.el.tryAcquireOrRenew(), false, 'still within leaseDuration of the observation');
  await clock.advance(1);
  t.equal(await b.el.tryAcquireOrRenew(), true, 'record unchanged for leaseDuration: take over');
  t.match(store.record, { holderIdentity: 'b_2', leaderTransitions: 1, acquireTime: clock.now() });
});

t.test('every change of the record restarts the observer clock', async (t) => {
  const store = new MemoryStore();
  const clock = new FakeClock();
  const a = candidate(store, clock, 'a_1');
  const b = candidate(store, clock, 'b_2');
  await a.el.tryAcquireOrRenew();
  t.equal(await b.el.tryAcquireOrRenew(), false);
  for (let i = 0; i < 10; i++) {
    await clock.advance(RETRY);
    t.equal(await a.el.tryAcquireOrRenew(), true);
    t.equal(await b.el.tryAcquireOrRenew(), false);
  }
  t.equal(store.record?.holderIdentity, 'a_1');
  // a stops renewing (hard kill); b takes over exactly when lease duration elapsed since its last observed change
  const lastChangeSeen = b.el.observed().observedTime;
  await clock.advance(LEASE - RETRY);
  t.equal(await b.el.tryAcquireOrRenew(), false);
  await clock.advance(RETRY);
  t.ok(clock.now() >= lastChangeSeen + LEASE);
  t.equal(await b.el.tryAcquireOrRenew(), true);
});

t.test(
  'optimistic concurrency: a stale writer gets a conflict and falls back to the slow path',
  async (t) => {
    const store = new MemoryStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a_1');
    await a.el.tryAcquireOrRenew();
    // someone else rewrote the lease (e.g. kubectl edit) behind a's back
    store.record = { ...store.record!, holderIdentity: 'x_9', leaderTransitions: 5 };
    store.version++;
    await clock.advance(RETRY);
    t.equal(await a.el.tryAcquireOrRenew(), false, 'fast path 409, slow path sees x_9 holding a valid lease');
    t.equal(a.el.getLeader(), 'x_9');
    t.equal(store.record?.holderIdentity, 'x_9');
  },
);

t.test('two racing candidates: exactly one wins on an expired lease', async (t) => {
  const store = new MemoryStore();
  const clock = new FakeClock();
  const a = candidate(store, clock, 'a_1');
  await a.el.tryAcquireOrRenew();
  const b = candidate(store, clock, 'b_2');
  const c = candidate(store, clock, 'c_3');
  await b.el.tryAcquireOrRenew();
  await c.el.tryAcquireOrRenew();
  await clock.advance(LEASE);
  const results = await Promise.all([b.el.tryAcquireOrRenew(), c.el.tryAcquireOrRenew()]);
  t.same(results.filter(Boolean).length, 1);
  t.equal(store.record?.leaderTransitions, 1);
});

t.test('run(): acquire with jitter, lead, lose after the renew deadline, stop leading', async (t) => {
  // another holder owns a fresh lease
  const store = MemoryStore.heldBy('x_0', 2);
  const clock = new FakeClock();
  let leadSignal: AbortSignal | undefined;
  const { el, events } = candidate(store, clock, 'a_1', {});
  const cbs = (el as unknown as { cfg: { callbacks: LeaderCallbacks } }).cfg.callbacks;
  const origStart = cbs.onStartedLeading;
  cbs.onStartedLeading = (s) => {
    leadSignal = s;
    origStart(s);
  };
  const start = clock.now();
  const ac = new AbortController();
  const done = el.run(ac.signal);
  // random() = 0 → retry every RETRY exactly; the lease expires LEASE after first observation
  await clock.advance(LEASE + RETRY);
  t.ok(el.isLeader(), 'acquired after the lease expired on its clock');
  const startedAt = Number(events.find((e) => e.startsWith('started@'))?.split('@')[1]);
  t.equal(
    startedAt - start,
    LEASE + (LEASE % RETRY === 0 ? 0 : RETRY - (LEASE % RETRY)),
    'first retry at or after expiry',
  );
  t.equal(store.record?.leaderTransitions, 3);
  t.ok(events.includes('leader:x_0') && events.includes('leader:a_1'));
  // the API goes away: renewals fail; leadership ends once renewDeadline has passed
  await clock.advance(RETRY);
  store.failUpdates = true;
  store.failGets = true;
  const failFrom = clock.now();
  await clock.advance(RENEW + 2 * RETRY);
  t.equal(await done, 'lost');
  const stoppedAt = Number(events.find((e) => e.startsWith('stopped@'))?.split('@')[1]);
  t.ok(
    stoppedAt - failFrom >= RENEW - RETRY && stoppedAt - failFrom <= RENEW + RETRY,
    `stopped ${stoppedAt - failFrom}ms after the API failed`,
  );
  t.ok(leadSignal?.aborted, 'the leading context is cancelled');
});

t.test('acquire retry period carries jitter up to 1.2', async (t) => {
  const store = MemoryStore.heldBy('x_0', 0);
  const clock = new FakeClock();
  const lock = new FakeLock(store, 'a_1');
  let gets = 0;
  const orig = lock.get.bind(lock);
  lock.get = async () => {
    gets++;
    return orig();
  };
  const el = new LeaderElector({
    lock,
    leaseDurationMs: LEASE,
    renewDeadlineMs: RENEW,
    retryPeriodMs: RETRY,
    releaseOnCancel: false,
    clock,
    random: () => 1,
    callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} },
  });
  const ac = new AbortController();
  const done = el.run(ac.signal);
  // the lease (15 s on our clock) stays valid for 3 jittered periods (3 x 4.4 s = 13.2 s)
  await clock.advance(3 * RETRY * (1 + JITTER_FACTOR));
  t.equal(gets, 4, 'one attempt per retryPeriod x (1 + 1.2)');
  t.notOk(el.isLeader());
  ac.abort();
  t.equal(await done, 'cancelled');
});

t.test('release on cancel: empty holder, 1 s duration, next candidate takes over within ~1 s', async (t) => {
  const store = new MemoryStore();
  const clock = new FakeClock();
  const a = candidate(store, clock, 'a_1', {}, true);
  const ac = new AbortController();
  const done = a.el.run(ac.signal);
  await clock.advance(1);
  t.ok(a.el.isLeader());
  const b = candidate(store, clock, 'b_2');
  t.equal(await b.el.tryAcquireOrRenew(), false);
  ac.abort();
  t.equal(await done, 'cancelled');
  t.match(store.record, { holderIdentity: '', leaseDurationSeconds: 1, leaderTransitions: 0 });
  t.ok(a.events.some((e) => e.startsWith('stopped@')));
  t.equal(await b.el.tryAcquireOrRenew(), true, 'empty holder: acquire at once');
  t.match(store.record, { holderIdentity: 'b_2', leaderTransitions: 1 });
});

t.test('without release on cancel the lease stays with the old holder', async (t) => {
  const store = new MemoryStore();
  const clock = new FakeClock();
  const a = candidate(store, clock, 'a_1', {}, false);
  const ac = new AbortController();
  const done = a.el.run(ac.signal);
  await clock.advance(1);
  ac.abort();
  await done;
  t.equal(store.record?.holderIdentity, 'a_1');
  t.equal(store.record?.leaseDurationSeconds, 15);
});
