/**
 * etcd-partition on the real lab (fast preset): the leader cut off (default), then a follower
 * chosen with --member. A new leader inside the election window, the cut member's apiserver
 * unready, the API through the LB back within the health-check window, no acknowledged write
 * lost, and the member catching up after the heal.
 */
import t from 'tap';
import { etcdPartition, lbDropMs } from '../../scenarios/etcd-partition.ts';
import { etcdElectionWindow } from '../../src/analysis/expected.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { labForTest } from '../helpers/lab.ts';
import { detected, drill } from './drill.ts';

const cfg = await labForTest(t, 'fast');
const timings = await new LabTarget(cfg).timings();
// Each member is polled every 250 ms and a cut one times out at 800 ms: 1 s of resolution.
const PROBE_S = 1;
const election = etcdElectionWindow(timings)!;
const lbDropS = lbDropMs(timings) / 1000;

t.test('the leader (default)', async (t) => {
  const d = await drill(t, cfg, etcdPartition);
  const { outcome, m } = d;
  detected(t, d);
  const r = outcome.result;
  t.equal(r.fault.status, 'proven', 'DROP rules in place');
  t.ok(outcome.healed && outcome.verify?.ok, 'healed, steady state again');
  const e = m.etcd_leader_election_s?.value ?? Number.NaN;
  t.notOk(m.etcd_leader_election_s?.lowerBound, 'a new leader was observed');
  t.ok(
    e >= election.min - PROBE_S && e <= election.max + PROBE_S,
    `etcd_leader_election_s = ${e} s within [${election.min}, ${election.max}] ± ${PROBE_S}`,
  );
  const unready = m.apiserver_unready_s;
  t.ok(
    unready?.value !== null && !unready?.lowerBound && (unready?.value ?? 99) <= 2 + 1 + 0.5,
    `its apiserver turned unready within the 2 s etcd check + 1 s probe timeout (${unready?.value})`,
  );
  t.ok(
    (m.lb_failover_s?.value ?? 99) <= lbDropS + 0.5,
    `LB failover ${m.lb_failover_s?.value} ≤ fall × (inter + timeout) = ${lbDropS} s`,
  );
  t.equal(m.api_outage_s?.verdict, 'pass');
  t.equal(m.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
  const c = m.etcd_catchup_s;
  t.ok(c?.value !== null && (c?.value ?? 99) < 10, `the member caught up after the heal (${c?.value} s)`);
  const aim = r.fault.status === 'none' ? undefined : r.fault.target.member;
  t.ok(
    eventsOf(r.timeline, 'etcd.status').some((e) => e.member === aim && e.error),
    'the cut member did not answer from outside while cut',
  );
});

t.test('a follower (--member)', async (t) => {
  // cp3 may have become the leader in the first test: then an election is needed after all.
  const d = await drill(t, cfg, etcdPartition, { member: 'cp3' });
  const { outcome, m } = d;
  detected(t, d);
  t.equal(outcome.result.fault.status, 'proven');
  t.ok(outcome.healed && outcome.verify?.ok);
  const e = m.etcd_leader_election_s;
  if (e?.detail.includes('was a follower')) t.equal(e.value, 0, 'a follower cut: no election');
  else t.ok((e?.value ?? 99) <= election.max + PROBE_S, 'cp3 happened to lead: election');
  t.equal(m.rpo_lost_writes?.value, 0);
  t.ok(m.apiserver_unready_s?.value !== null, "cp3's apiserver turned unready");
  t.ok(m.etcd_catchup_s?.value !== null, 'cp3 caught up');
});
