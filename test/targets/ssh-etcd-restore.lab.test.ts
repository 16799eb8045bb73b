/**
 * etcd-restore through real ssh: snapshot, copy (base64 over the ssh channel's stdin), wipe and
 * restore every member with the lab inventory's commands, run on each host by its sshd. The
 * same checks as the lab target's: every pre-snapshot write survived, the post-snapshot ones are
 * the loss, RTO observed, the cluster steady again.
 */
import t from 'tap';
import { byName, sshLab, verified } from './ssh-lab.ts';

const lab = await sshLab(t);

t.test('etcd-restore: --target ssh', async (t) => {
  const { report, code, out } = await lab.drill('ssh', ['etcd-restore']);
  t.equal(code, 0, out.slice(-3000));
  t.equal(report.fault.status, 'proven', 'every data dir destroyed, through ssh');
  t.equal(report.fault.heal.status, 'done');
  t.ok(
    verified(report),
    `steady state again after the heal: ${report.phases.find((p) => p.phase === 'verify')?.message ?? ''}`,
  );
  const m = byName(report);
  t.equal(m.rpo_pre_snapshot_lost_writes?.value, 0, 'every write acknowledged before the snapshot survived');
  t.equal(m.rpo_lost_writes?.verdict, 'pass');
  t.ok(m.rto_s?.value !== null && !m.rto_s?.lowerBound, `RTO ${m.rto_s?.value} s`);
  t.equal(m.rto_s?.verdict, 'pass');
});
