/**
 * etcd-partition and leader-kill through real ssh with the kubeadm profile and no override of
 * any control-plane, etcd or partition action: the partition is the profile's iptables script
 * with the etcd ports read from the member's manifest (expiry timer armed first), the leader is
 * killed by PID found on the node and its manifest parked, and the heals put everything back.
 * Every measurement is observed and falls inside its expected window, computed from the timings
 * read over ssh (the manifests and configs), which is the window `--target lab` computes: the
 * window formulas are the same (test/lab/sshd.lab.test.ts checks the timings are equal, and the
 * scenario tests under test/scenarios/ run the same drills with `--target lab`).
 */
import t, { type Test } from 'tap';
import { byName, type Report, sshLab, verified } from './ssh-lab.ts';

const lab = await sshLab(t);

/** Observed, inside its window (when it has one) and passing its SLO, for every measurement. */
function inWindows(t: Test, r: Report, names: readonly string[]): void {
  const m = byName(r);
  for (const name of names) {
    const x = m[name];
    t.ok(x, `${name} reported`);
    if (!x) continue;
    t.type(x.value, 'number', `${name} observed over ssh: ${x.value}`);
    t.notOk(x.lowerBound, `${name} is a measurement, not a lower bound`);
    if (x.expected)
      t.ok(
        x.value !== null && x.value >= x.expected.min && x.value <= x.expected.max,
        `${name} = ${x.value} within [${x.expected.min}, ${x.expected.max}] (${x.expected.formula})`,
      );
    t.not(x.verdict, 'fail', `${name}: ${x.verdict}`);
  }
}

const DRILLS = [
  {
    args: ['etcd-partition'],
    proof: 'the member is cut off (iptables over ssh)',
    heal: 'the rules gone',
    measured: ['etcd_leader_election_s', 'rpo_lost_writes'],
  },
  {
    args: ['leader-kill'],
    proof: 'the controller-manager Lease holder killed by PID over ssh',
    heal: 'its manifest back, its kubelet runs it again',
    measured: ['lease_reelection_s'],
  },
] as const;

for (const d of DRILLS)
  t.test(`${d.args.join(' ')}: --target ssh`, async (t) => {
    const { report, code, out } = await lab.drill('ssh', [...d.args, '--gate']);
    t.equal(code, 0, out.slice(-3000));
    t.equal(report.fault.status, 'proven', d.proof);
    t.equal(report.fault.heal.status, 'done', d.heal);
    t.ok(
      verified(report),
      `steady state again after the heal: ${report.phases.find((p) => p.phase === 'verify')?.message ?? ''}`,
    );
    inWindows(t, report, d.measured);
    t.ok(byName(report)[d.measured[0]]?.expected, `the ${d.measured[0]} window from the files read over ssh`);
  });
