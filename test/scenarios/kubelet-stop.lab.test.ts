/**
 * kubelet-stop on the real lab (fast preset) with a short toleration, variant host: w1's whole
 * link down. Node NotReady after the grace period, the drill pod on w1 evicted after
 * tolerationSeconds, its replacement Running on w2; the workload is removed after. The default
 * variant (w1's kubelet stopped) is held to the same on the lab and over ssh in
 * test/targets/ssh-kubelet-stop.lab.test.ts, which runs it through the CLI on both targets.
 */
import t from 'tap';
import { kubeletStop } from '../../scenarios/kubelet-stop.ts';
import { workloadPods } from '../../src/probes/workload.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { labForTest } from '../helpers/lab.ts';
import { detected, drill } from './drill.ts';

const cfg = await labForTest(t, 'fast');
const nl = cfg.timings.nodeLifecycle;
const renewS = cfg.timings.kubelet.nodeLeaseDurationS / 4;
const TOLERATION_S = 4;
/**
 * The node lifecycle controller stamps a lease renewal with its own clock when it sees it (each
 * monitor period) and marks the node once grace has passed since, at its next pass. The last
 * renewal was up to one renew interval before the fault: NotReady − fault ∈
 * [grace − renew, grace + 2 × period]. Eviction follows the NoExecute taint (added with NotReady)
 * by tolerationSeconds, checked every second. 0.5 s for the watches.
 */
const notReady: [number, number] = [
  nl.nodeMonitorGracePeriodS - renewS - 0.5,
  nl.nodeMonitorGracePeriodS + 2 * nl.nodeMonitorPeriodS + 0.5,
];

for (const variant of ['host'] as const) {
  t.test(`variant ${variant}`, async (t) => {
    const d = await drill(t, cfg, kubeletStop, {
      variant,
      host: 'w1',
      tolerationSeconds: TOLERATION_S,
    });
    const { outcome, m, kube, target } = d;
    detected(t, d);
    const r = outcome.result;
    t.equal(r.fault.status, 'proven');
    t.ok(outcome.healed && outcome.verify?.ok, 'healed, steady state again');
    const nr = m.node_notready_s?.value ?? Number.NaN;
    t.ok(nr >= notReady[0] && nr <= notReady[1], `node_notready_s = ${nr} within [${notReady}]`);
    t.equal(m.node_notready_s?.verdict, 'pass');
    const ev = m.pod_eviction_s?.value ?? Number.NaN;
    t.ok(
      ev - nr >= TOLERATION_S - 0.5 && ev - nr <= TOLERATION_S + nl.nodeMonitorPeriodS + 1.5,
      `evicted ${ev - nr} s after NotReady (toleration ${TOLERATION_S} s)`,
    );
    t.match(
      m.pod_eviction_s?.expected?.formula,
      new RegExp(`toleration ${TOLERATION_S}`),
      'window uses the workload toleration',
    );
    const rep = m.pods_replaced_s?.value ?? Number.NaN;
    t.ok(rep >= ev && rep <= ev + 5, `replacement Running on w2 ${rep - ev} s after the eviction`);
    const taints = eventsOf(r.timeline, 'node')
      .filter((e) => e.name === 'w1')
      .flatMap((e) => e.taints.map((x) => `${x.taint}:${x.effect}`));
    t.ok(taints.includes('node.kubernetes.io/unreachable:NoSchedule'), 'unreachable NoSchedule taint');
    t.ok(taints.includes('node.kubernetes.io/unreachable:NoExecute'), 'unreachable NoExecute taint');
    t.same(await workloadPods(kube, target.topology.apiUrl), [], 'the drill workload was removed');
  });
}
