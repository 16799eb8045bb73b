/**
 * The leader Leases' rule (src/probes/leader-leases.ts): held while not expired, and with the
 * retry period known, renewed in step with the other leader Lease.
 */
import t from 'tap';
import { leaderLeaseProblems, RENEW_LAG_SLACK_S } from '../../src/probes/leader-leases.ts';

const NOW = 1_800_000_000_000;
const lease = (name: string, ageS: number, extra: object = {}) => ({
  name,
  holderIdentity: `cp1_${name}`,
  renewTimeMs: NOW - ageS * 1000,
  leaseDurationS: 6,
  ...extra,
});

t.test('held: a holder and a renewTime younger than the lease duration', async (t) => {
  t.same(leaderLeaseProblems([lease('kube-controller-manager', 0.4), lease('kube-scheduler', 5.9)], NOW), []);
  t.same(leaderLeaseProblems([lease('kube-controller-manager', 6.1)], NOW), [
    'lease kube-controller-manager not held',
  ]);
  t.same(leaderLeaseProblems([lease('kube-scheduler', 0, { holderIdentity: '' })], NOW), [
    'lease kube-scheduler not held',
  ]);
  t.same(
    leaderLeaseProblems([{ name: 'kube-scheduler', holderIdentity: 'x', renewTimeMs: NOW - 14_000 }], NOW),
    [],
    'no leaseDurationSeconds: 15 s, the components’ default',
  );
});

t.test(
  'with the retry period: a Lease lagging the other by more than 2 periods + 1 s is not renewed',
  async (t) => {
    // The lab's fast preset: retry 1 s, so up to 3 s of lag.
    const limit = 2 * 1 + RENEW_LAG_SLACK_S;
    t.same(
      leaderLeaseProblems(
        [lease('kube-controller-manager', 0.2), lease('kube-scheduler', 0.2 + limit)],
        NOW,
        1,
      ),
      [],
      'exactly at the limit: renewed in step',
    );
    const stale = leaderLeaseProblems(
      [lease('kube-controller-manager', 0.2 + limit + 0.8), lease('kube-scheduler', 0.2)],
      NOW,
      1,
    );
    t.equal(stale.length, 1);
    t.match(
      stale[0],
      /^lease kube-controller-manager not renewed for 3\.8 s longer than the other leader Lease \(its holder cp1_kube-controller-manager renews every 1 s: stopped or cut off\)$/,
    );
    t.same(
      leaderLeaseProblems([lease('kube-controller-manager', 4), lease('kube-scheduler', 0.2)], NOW),
      [],
      'without the retry period, only expiry counts (the old rule)',
    );
  },
);

t.test("the lag compares the Leases with each other, not with this machine's clock", async (t) => {
  // This machine 4 s behind the cluster: both renewTimes look 4 s in the future.
  t.same(
    leaderLeaseProblems([lease('kube-controller-manager', -4), lease('kube-scheduler', -3.5)], NOW, 1),
    [],
  );
  // One Lease expired: no lag judged against it, the other is fine.
  t.same(leaderLeaseProblems([lease('kube-controller-manager', 9), lease('kube-scheduler', 0.1)], NOW, 1), [
    'lease kube-controller-manager not held',
  ]);
});
