/**
 * leader-kill on the real lab (fast preset): SIGKILL of the kube-controller-manager Lease holder,
 * then SIGTERM of the kube-scheduler holder. Re-election inside the expected window, a new holder
 * on another host, leaseTransitions incremented, and the controllers resuming under it.
 */
import t from 'tap';
import { leaderKill } from '../../scenarios/leader-kill.ts';
import { CREATED_NOTE, DEMAND_NOTE, RESUMED_NOTE } from '../../src/probes/workload.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { labForTest } from '../helpers/lab.ts';
import { detected, drill } from './drill.ts';

const cfg = await labForTest(t, 'fast');
const le = cfg.timings.leaderElection;
/**
 * The window client-go's timers allow (and the lab's elector implements): a candidate retries
 * every retry × (1 + rand × 1.2) ∈ [retry, 2.2 × retry]. After a hard kill it sees the holder's
 * last renewal up to one poll late and takes over at its first poll after a full lease duration
 * since then: [lease − retry, lease + 2 × 2.2 × retry]. A released lease is taken at the next
 * poll: [0, 2.2 × retry]. Plus 0.5 s for the lease watch. (src/analysis/expected.ts uses the
 * narrower [lease − retry, lease + 1.2 × retry]: measurements past it are flagged there.)
 */
const poll = 2.2 * le.retryPeriodS;
const windowFor = (graceful: boolean): [number, number] =>
  graceful
    ? [0, poll + 0.5]
    : [le.leaseDurationS - le.retryPeriodS - 0.5, le.leaseDurationS + 2 * poll + 0.5];

for (const [variant, signal, lease] of [
  ['controller-manager', 'KILL', 'kube-controller-manager'],
  ['scheduler', 'TERM', 'kube-scheduler'],
] as const) {
  t.test(`${variant} holder, SIG${signal}`, async (t) => {
    const d = await drill(t, cfg, leaderKill, { variant, signal });
    const { outcome, m } = d;
    detected(t, d);
    const r = outcome.result;
    t.equal(r.fault.status, 'proven', 'the holder process is gone');
    t.ok(outcome.healed, 'healed');
    t.equal(outcome.verify?.ok, true, 'steady state again');
    const v = m.lease_reelection_s?.value ?? Number.NaN;
    const [lo, hi] = windowFor(signal === 'TERM' && lease === 'kube-scheduler');
    t.notOk(m.lease_reelection_s?.lowerBound, 'a new holder was observed');
    t.ok(v >= lo && v <= hi, `lease_reelection_s = ${v} s within [${lo}, ${hi}]`);
    t.equal(m.lease_reelection_s?.verdict, 'pass');
    t.ok(m.lease_reelection_s?.expected, 'the report carries the expected window from the lab config');

    const leases = eventsOf(r.timeline, 'lease').filter((e) => e.name === lease);
    const invoke = r.fault.status === 'none' ? 0 : r.fault.injectedAtMs;
    const before = leases.filter((e) => e.atMs < invoke).at(-1);
    const next = leases.find(
      (e) => e.atMs >= invoke && e.holderIdentity && e.holderIdentity !== before?.holderIdentity,
    );
    t.ok(before?.holderIdentity && next?.holderIdentity, 'holder before and after observed');
    t.not(
      next?.holderIdentity?.split('_')[0],
      before?.holderIdentity?.split('_')[0],
      'another host took over',
    );
    t.equal(
      next?.leaseTransitions,
      (before?.leaseTransitions ?? -1) + 1,
      'leaseTransitions incremented by one',
    );

    const notes = eventsOf(r.timeline, 'note');
    const demand = notes.find((n) => n.message.startsWith(DEMAND_NOTE));
    const created = notes.find((n) => n.message.startsWith(CREATED_NOTE));
    const resumed = notes.find((n) => n.message.startsWith(RESUMED_NOTE));
    t.ok(demand && demand.atMs >= invoke, 'the workload was scaled after the fault');
    t.ok(created && resumed, 'the new pod was created and scheduled');
    t.ok(resumed!.atMs >= next!.atMs - 1000, 'scheduled once the new leader held the lease');
    t.equal(resumed?.data?.holder, next?.holderIdentity, 'under the new holder');
  });
}
