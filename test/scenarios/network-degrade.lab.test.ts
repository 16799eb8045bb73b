/**
 * network-degrade on the real lab (fast preset), through the lab's delaying proxy (this kernel has
 * no netem) and iptables `statistic` loss:
 * - the leader's peer traffic +100 ms (default): the round trips measured from it to each peer
 *   grow by at least the delay (the proxy holds every byte that long); every write waits for the
 *   leader's delayed append, so the typical write takes at least the delay (the seeds' 50 ms
 *   budget fails); 100 ms is far below the election timeout: the leader stays; no write lost;
 *   after the heal writes are fast again and nothing is left on any host.
 * - every member, 50 ms ± 10 ms and 5 % loss: each link gains both ends' delay, and the loss
 *   the counters saw is about the loss asked.
 */
import t, { type Test } from 'tap';
import { degradedMs } from '../../scenarios/etcd-disk-latency.ts';
import { networkDegrade } from '../../scenarios/network-degrade.ts';
import { packetsForLoss } from '../../src/faults/net-degrade.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { labForTest } from '../helpers/lab.ts';
import { degradedThenFast, drill } from './drill.ts';

const cfg = await labForTest(t, 'fast');
const labTarget = new LabTarget(cfg);
t.teardown(() => labTarget.close());
const DEGRADED_MS = degradedMs(await labTarget.timings());

/** Nothing of the degradation left on any control plane: chains, NAT rules, proxy. */
async function nothingLeft(t: Test): Promise<void> {
  for (const e of labTarget.topology.etcd) {
    const s = await labTarget.executor.exec(e.host, [
      'sh',
      '-c',
      'echo "$(iptables -w 5 -S | grep -c HADRILL-) $(iptables -w 5 -t nat -S | grep -c HADRILL-) $(pgrep -fc delay-prox[y])"',
    ]);
    t.equal(s.stdout.trim(), '0 0 0', `${e.host}: no chain, no NAT rule, no proxy`);
  }
}

t.test('the leader, +100 ms (default)', async (t) => {
  const d = await drill(t, cfg, networkDegrade);
  const { outcome, m } = d;
  const r = outcome.result;
  t.equal(r.fault.status, 'proven', 'the round trips show the delay');
  const proof = eventsOf(r.timeline, 'fault.proof')[0]?.proof;
  t.equal(proof?.kind, 'link-degraded');
  if (proof?.kind === 'link-degraded') {
    t.equal(proof.method, 'proxy', "the lab's proxy (no netem here)");
    t.equal(proof.rtt.length, 2, 'both peers measured');
    for (const x of proof.rtt) {
      t.equal(x.expectedAddedMs, 100);
      t.ok(x.degradedS >= 0.1, `${x.from}→${x.to}: ${x.degradedS} s ≥ the 0.1 s delay`);
      t.ok(x.baselineS < 0.05, `${x.from}→${x.to}: ${x.baselineS} s before`);
    }
  }
  t.ok(outcome.healed && outcome.verify?.ok, 'healed, steady state again');
  const p50 = m.write_latency_p50_s;
  t.ok((p50?.value ?? 0) >= 0.1, `write p50 ${p50?.value} s ≥ the 0.1 s delay`);
  t.equal(p50?.verdict, 'fail', "the seeds' 50 ms write budget is broken, as it should be");
  t.ok(m.api_latency_p99_s?.value !== null, `API p99 ${m.api_latency_p99_s?.value} s measured`);
  t.equal(m.etcd_leader_changes?.value, 0, `no leader change at 100 ms (${m.etcd_leader_changes?.detail})`);
  t.equal(m.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
  await degradedThenFast(t, d, DEGRADED_MS, 100);
  for (const a of r.alerts ?? []) t.equal(a.verdict, 'pass', `alert ${a.alert} (${a.role}): ${a.message}`);
  await nothingLeft(t);
});

t.test('every member, 50 ms ± 10 ms and 5 % loss', async (t) => {
  const d = await drill(t, cfg, networkDegrade, { variant: 'all', delayMs: 50, jitterMs: 10, lossPct: 5 });
  const r = d.outcome.result;
  t.equal(r.fault.status, 'proven');
  const proof = eventsOf(r.timeline, 'fault.proof')[0]?.proof;
  if (proof?.kind === 'link-degraded') {
    t.equal(proof.host, 'cp1,cp2,cp3');
    // Both ends add 50 ms ± 10: a median round trip of at least 2 × 40 ms.
    for (const x of proof.rtt) {
      t.equal(x.expectedAddedMs, 100);
      t.ok(x.degradedS >= 0.08, `${x.from}→${x.to}: ${x.degradedS} s`);
    }
    t.ok((proof.packets ?? 0) >= packetsForLoss(5), `${proof.packets} peer packets counted`);
    const seen = proof.observedLossPct ?? 0;
    t.ok(seen >= 2 && seen <= 10, `${seen} % of them dropped (5 % asked)`);
  } else t.fail('a link-degraded proof');
  t.ok(d.outcome.healed && d.outcome.verify?.ok, 'healed, steady state again');
  t.equal(d.m.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
  t.ok((d.m.write_latency_p50_s?.value ?? 0) >= 0.08, `write p50 ${d.m.write_latency_p50_s?.value} s`);
  await nothingLeft(t);
});
