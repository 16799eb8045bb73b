/**
 * etcd-disk-latency on the real lab (fast preset): the etcd leader's fsync/fdatasync held 100 ms
 * each by strace on its host. etcd's own WAL fsync histogram proves the delay; every write through
 * the LB waits for the leader's WAL fsync, so the typical write takes at least the delay (and fails
 * the seeds' 50 ms); 100 ms is far below the 1 s election timeout, so the leader stays; no
 * acknowledged write is lost; the heal detaches the injector and writes are fast again.
 */
import t from 'tap';
import { degradedMs, etcdDiskLatency } from '../../scenarios/etcd-disk-latency.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { labForTest } from '../helpers/lab.ts';
import { degradedThenFast, drill } from './drill.ts';

const cfg = await labForTest(t, 'fast');
const labTarget = new LabTarget(cfg);
t.teardown(() => labTarget.close());
const DEGRADED_MS = degradedMs(await labTarget.timings());

t.test('the leader, 100 ms per fsync (default)', async (t) => {
  const d = await drill(t, cfg, etcdDiskLatency);
  const { outcome, m } = d;
  const r = outcome.result;
  t.equal(r.fault.status, 'proven', 'the injector is attached and the histogram shows the delay');
  const proof = eventsOf(r.timeline, 'fault.proof')[0]?.proof;
  t.equal(proof?.kind, 'syscall-delayed');
  if (proof?.kind === 'syscall-delayed') {
    t.ok(
      proof.observedMeanS >= 0.08,
      `WAL fsync mean since the injection ${proof.observedMeanS} s ≥ 80 % of 0.1 s`,
    );
    t.ok(proof.tracerPids[0]! > 0, 'the tracer pid is known');
  }
  t.ok(outcome.healed && outcome.verify?.ok, 'healed, steady state again');
  // Every write waits for the leader's WAL fsync.
  const p50 = m.write_latency_p50_s;
  t.ok((p50?.value ?? 0) >= 0.1, `write p50 ${p50?.value} s ≥ the 0.1 s delay`);
  t.equal(p50?.verdict, 'fail', "the seeds' 50 ms write budget is broken, as it should be");
  t.ok(m.write_latency_p99_s?.value !== null, `write p99 ${m.write_latency_p99_s?.value} s measured`);
  t.ok(m.api_latency_p99_s?.value !== null, `API p99 ${m.api_latency_p99_s?.value} s measured`);
  t.equal(m.etcd_leader_changes?.value, 0, `no leader change at 100 ms (${m.etcd_leader_changes?.detail})`);
  t.ok(m.readyz_flaps?.value !== null, `readyz flaps counted (${m.readyz_flaps?.detail})`);
  t.equal(m.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
  // The degradation lasted its window, then the heal; after it writes are fast again.
  await degradedThenFast(t, d, DEGRADED_MS, 100);
  // Every run reports each control plane's certificates and their expiry (the lab's kubeadm PKI,
  // and the kubelet's rotated client certificate).
  for (const cp of ['cp1', 'cp2', 'cp3'])
    t.match(
      r.findings.find((f) => f.id === `cert-expiry:${cp}`)?.message,
      new RegExp(
        `^${cp} certificates: admin\\.conf \\d+ d .*apiserver \\d+ d .*etcd-peer \\d+ d .*kubelet-client \\d+ d .*ca \\d+ d`,
      ),
      `${cp}: every certificate's expiry`,
    );
  t.notOk(
    r.findings.some((f) => f.id.startsWith('cert-expir') && f.severity !== 'info'),
    'none expires within 30 days',
  );
  for (const a of r.alerts ?? []) t.equal(a.verdict, 'pass', `alert ${a.alert} (${a.role}): ${a.message}`);
  // No tracer left on any member.
  for (const e of labTarget.topology.etcd) {
    const s = await labTarget.executor.exec(e.host, [
      'sh',
      '-c',
      "awk '/^TracerPid:/{print $2}' /proc/$(pgrep -x etcd)/status",
    ]);
    t.equal(s.stdout.trim(), '0', `etcd on ${e.host} has no tracer`);
  }
});
