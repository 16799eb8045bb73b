/**
 * rolling-restart on the real lab (fast preset): every control plane's apiserver, controller-
 * manager, scheduler and etcd member restarted in turn through the static-pod manifest cycle,
 * each ready before the next. Every component runs under a new pid, no acknowledged write is lost,
 * and the disruption through the LB is measured in total and per control plane, and the part the
 * apiserver restarts caused against the window the shutdown delay and the LB's checks give; the
 * lab's default delay (0, as upstream) is shorter than the LB's detection: the finding says so.
 * The part the stacked etcd members' restarts caused is inside its own window (each member's
 * apiserver fails until the member is back or the LB drops it), and the finding names it.
 */
import t from 'tap';
import {
  ETCD_READYCHECK_TIMEOUT_S,
  readyzDetectionS,
  restartPlan,
  rollingRestart,
} from '../../scenarios/rolling-restart.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { labForTest } from '../helpers/lab.ts';
import { drill } from './drill.ts';

const cfg = await labForTest(t, 'fast');
const target = new LabTarget(cfg);
t.teardown(() => target.close());
const timings = await target.timings();

t.test('every component of every control plane, one at a time', async (t) => {
  const d = await drill(t, cfg, rollingRestart);
  const { outcome, m } = d;
  const r = outcome.result;
  t.equal(r.fault.status, 'proven', 'every component restarted and answered ready');
  const proof = eventsOf(r.timeline, 'fault.proof')[0]?.proof;
  const plan = restartPlan(target.topology);
  t.equal(proof?.kind, 'restarted');
  if (proof?.kind === 'restarted') {
    t.equal(proof.steps.length, plan.steps.length, 'every host × component');
    t.equal(plan.steps.length, 3 * 4, 'three control planes × four components');
    for (const s of proof.steps)
      t.not(s.newPid, s.oldPid, `${s.component} on ${s.host}: pid ${s.oldPid} → ${s.newPid}`);
    // One at a time: each restart begins after the previous one answered ready.
    for (let i = 1; i < proof.steps.length; i++)
      t.ok(proof.steps[i]!.fromMs >= proof.steps[i - 1]!.readyMs, `step ${i} after step ${i - 1} was ready`);
    t.same([...new Set(proof.steps.map((s) => s.host))], plan.controlPlanes, 'the control planes in order');
  }
  t.ok(outcome.healed && outcome.verify?.ok, 'steady state after the rolling restart');
  t.equal(m.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
  const dis = m.api_disruption_s;
  t.ok(
    dis?.value !== null && dis?.value !== undefined,
    `api_disruption_s measured: ${dis?.value} s (${dis?.detail})`,
  );
  t.match(
    dis?.detail ?? '',
    /per control plane \((new|keepalive)\): cp1 [\d.]+ s, cp2 [\d.]+ s, cp3 [\d.]+ s/,
  );
  // The lab's shutdown delay is upstream's 0, shorter than the LB's detection: a finding with the window.
  const detect = readyzDetectionS(timings)!;
  t.ok(timings.shutdownDelayS === 0 && detect > 0, `delay 0 < detection ${detect} s`);
  t.ok(
    r.findings.some((f) => f.id === 'shutdown-delay-short'),
    'the short shutdown delay is a finding',
  );
  const api = m.apiserver_restart_disruption_s;
  t.equal(api?.expected?.max, plan.controlPlanes.length * detect, 'expected window: n × (detection − delay)');
  t.ok(
    (api?.value ?? 99) <= (api?.expected?.max ?? 0) + 0.5,
    `the apiserver restarts' part ${api?.value} s within its window (${api?.expected?.formula})`,
  );
  t.ok((api?.value ?? 99) <= (dis?.value ?? 0), 'a part of the total');
  // Stacked etcd: each member's restart fails its apiserver until the member is back or the LB
  // drops the apiserver.
  t.equal(plan.stackedMembers, 3, 'the lab stacks etcd on the control planes');
  const etcd = m.etcd_restart_disruption_s;
  const each = detect + Math.min(ETCD_READYCHECK_TIMEOUT_S, (timings.checkTimeoutMs ?? 1e9) / 1000);
  t.equal(
    etcd?.expected?.max,
    Math.round(plan.controlPlanes.length * each * 1000) / 1000,
    'expected window: n × (detection + readiness wait)',
  );
  t.ok(
    etcd?.value !== null && (etcd?.value ?? 99) <= (etcd?.expected?.max ?? 0) + 0.5,
    `the etcd restarts' part ${etcd?.value} s within its window (${etcd?.expected?.formula}): ${etcd?.detail}`,
  );
  t.ok((etcd?.value ?? 99) + (api?.value ?? 99) <= (dis?.value ?? 0) + 0.001, 'both parts within the total');
  t.ok(
    r.findings.some((f) => f.id === 'stacked-etcd-restart'),
    'stacked etcd members are a finding',
  );
  t.ok(m.etcd_leader_changes?.value !== null, `etcd leader changes: ${m.etcd_leader_changes?.value}`);
  t.ok(m.lease_holder_changes?.value !== null, `leader Lease moves: ${m.lease_holder_changes?.value}`);
  for (const a of r.alerts ?? []) t.equal(a.verdict, 'pass', `alert ${a.alert} (${a.role}): ${a.message}`);
});
