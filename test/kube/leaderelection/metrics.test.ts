/**
 * leader_election_master_status{name} and leader_election_slowpath_total{name} as client-go
 * drives them: 0 when the elector is made, 1 once it acquires, 0 when a renewal fails past the
 * renew deadline; a renewal that has to re-read the lock counts a slow path.
 */
import { Registry } from 'prom-client';
import t from 'tap';
import { LeaderElector } from '../../../src/kube/leaderelection/elector.ts';
import { leaderMetrics } from '../../../src/kube/leaderelection/metrics.ts';
import { FakeClock, FakeLock, MemoryStore } from './fakes.ts';

async function value(registry: Registry, name: string): Promise<number | undefined> {
  const m = registry.getSingleMetric(name);
  const v = (await m?.get())?.values.find((x) => x.labels.name === 'kube-scheduler');
  return v?.value;
}

t.test('master status follows acquire and loss; slow path counted', async (t) => {
  const registry = new Registry();
  const store = new MemoryStore();
  const clock = new FakeClock();
  const el = new LeaderElector({
    lock: new FakeLock(store, 'cp1_1'),
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2000,
    releaseOnCancel: false,
    clock,
    random: () => 0,
    metrics: leaderMetrics(registry, 'kube-scheduler'),
    callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} },
  });
  t.equal(await value(registry, 'leader_election_master_status'), 0, 'backup when made');
  const done = el.run(new AbortController().signal);
  await clock.advance(1);
  t.equal(await value(registry, 'leader_election_master_status'), 1, 'master once acquired');
  t.equal(await value(registry, 'leader_election_slowpath_total'), undefined, 'fast path renewals only');
  store.failUpdates = true; // the optimistic update fails: the slow path re-reads the lock
  await clock.advance(2000);
  t.ok(((await value(registry, 'leader_election_slowpath_total')) ?? 0) >= 1, 'slow path counted');
  store.failGets = true;
  await clock.advance(16_000);
  t.equal(await done, 'lost');
  t.equal(await value(registry, 'leader_election_master_status'), 0, 'backup after a failed renewal');
  const text = await registry.metrics();
  t.match(text, /^# TYPE leader_election_master_status gauge$/m);
  t.match(text, /^# TYPE leader_election_slowpath_total counter$/m);
});
