/**
 * etcd-restore on the real lab (fast preset): snapshot through cp1, writes continue, the control
 * plane is stopped, every member's data destroyed and restored from the snapshot with a new
 * cluster token, then started with its usual command line. RTO measured, exactly the post-snapshot
 * writes lost, every pre-snapshot write intact, the cluster steady again.
 */
import t from 'tap';
import { etcdRestore, POST_SNAPSHOT_MS } from '../../scenarios/etcd-restore.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { labForTest } from '../helpers/lab.ts';
import { detected, drill } from './drill.ts';

const cfg = await labForTest(t, 'fast');

t.test('snapshot, destroy, restore every member', async (t) => {
  const d = await drill(t, cfg, etcdRestore);
  const { outcome, m } = d;
  detected(t, d);
  const r = outcome.result;
  t.equal(r.fault.status, 'proven', 'every data dir destroyed');
  t.ok(outcome.healed && outcome.verify?.ok, 'steady state after the restore');
  const done = eventsOf(r.timeline, 'snapshot.done')[0];
  t.ok(done && (done.revision ?? 0) > 0, `snapshot at revision ${done?.revision}`);
  const acks = eventsOf(r.timeline, 'write.ack');
  const after = acks.filter((a) => a.atMs > (done?.atMs ?? 0)).length;
  t.ok(after >= 3, `${after} writes acknowledged after the snapshot`);
  t.equal(m.rpo_pre_snapshot_lost_writes?.value, 0, 'every write acknowledged before the snapshot survived');
  t.ok(acks.filter((a) => a.atMs < (done?.atMs ?? 0)).length > 0, 'there were pre-snapshot writes to check');
  const lost = m.rpo_lost_writes?.value ?? -1;
  t.ok(lost >= after, `${lost} lost ⊇ the ${after} post-snapshot writes`);
  t.equal(m.rpo_lost_writes?.verdict, 'pass', m.rpo_lost_writes?.message ?? 'rpo_lost_writes');
  t.ok((m.rpo_window_s?.value ?? 99) <= POST_SNAPSHOT_MS / 1000 + 1, `RPO window ${m.rpo_window_s?.value} s`);
  t.ok(m.rto_s?.value !== null && !m.rto_s?.lowerBound, `RTO ${m.rto_s?.value} s`);
  t.equal(m.rto_s?.verdict, 'pass');
});
