/**
 * kubelet-stop end to end, both variants, each on the lab through the drill CLI and each held
 * until its alerts were detected: `--target ssh --inventory <the lab's inventory>` stops w1's
 * kubelet over ssh (the default variant, the kubeadm profile's commands), then `--target lab
 * --variant host` takes w1's whole link down. Both are held to what the scenario promises on the
 * lab (fast preset, a short toleration): node NotReady after the grace period, the unreachable
 * NoSchedule and NoExecute taints, the drill pod on w1 evicted after tolerationSeconds, its
 * replacement Running on w2, the workload removed after; and the two measure the same: a node
 * whose kubelet stopped and a node off the network look the same to the node lifecycle controller
 * (the same measurements, windows from the same timings, read over ssh on one side and from the
 * lab config on the other, the same verdicts). Until 2026-12-03 the kubelet variant ran here on
 * both targets and the host variant in a file of its own (test/scenarios/kubelet-stop.lab.test.ts):
 * three drills for two variants.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import t from 'tap';
import { labKubeconfigPath } from '../../src/lab/config.ts';
import { labTopology } from '../../src/lab/target.ts';
import { KubeAccess } from '../../src/probes/kube.ts';
import { workloadPods } from '../../src/probes/workload.ts';
import { byName, type Report, sameAsLab, sshLab, verified } from './ssh-lab.ts';

const lab = await sshLab(t);
const nl = lab.cfg.timings.nodeLifecycle;
const renewS = lab.cfg.timings.kubelet.nodeLeaseDurationS / 4;
const TOLERATION_S = 4;
const args = ['kubelet-stop', '--host', 'w1', '--toleration-seconds', String(TOLERATION_S)];
const kube = new KubeAccess(labKubeconfigPath(lab.cfg));

/**
 * The node lifecycle controller stamps a lease renewal with its own clock when it sees it (each
 * monitor period) and marks the node once grace has passed since, at its next pass. The last
 * renewal was up to one renew interval before the fault: NotReady − fault ∈
 * [grace − renew, grace + 2 × period]. Eviction follows the NoExecute taint (added with NotReady)
 * by tolerationSeconds, checked every second. 0.5 s for the watches.
 */
async function promised(t: Test, via: string, report: Report, dir: string): Promise<void> {
  t.equal(report.fault.status, 'proven', `${via}: the kubelet was stopped`);
  t.equal(report.fault.heal.status, 'done', `${via}: and started again`);
  t.ok(
    verified(report),
    `${via}: steady state again after the heal: ${report.phases.find((p) => p.phase === 'verify')?.message ?? ''}`,
  );
  const s = byName(report);
  const nr = s.node_notready_s?.value ?? Number.NaN;
  const lo = nl.nodeMonitorGracePeriodS - renewS - 0.5;
  const hi = nl.nodeMonitorGracePeriodS + 2 * nl.nodeMonitorPeriodS + 0.5;
  t.ok(nr >= lo && nr <= hi, `${via}: node_notready_s = ${nr} within [${lo}, ${hi}]`);
  t.equal(s.node_notready_s?.verdict, 'pass');
  const ev = s.pod_eviction_s?.value ?? Number.NaN;
  t.ok(
    ev - nr >= TOLERATION_S - 0.5 && ev - nr <= TOLERATION_S + nl.nodeMonitorPeriodS + 1.5,
    `${via}: evicted ${ev - nr} s after NotReady (toleration ${TOLERATION_S} s)`,
  );
  t.match(
    s.pod_eviction_s?.expected?.formula,
    new RegExp(`toleration ${TOLERATION_S}`),
    `${via}: window uses the workload toleration`,
  );
  const rep = s.pods_replaced_s?.value ?? Number.NaN;
  t.ok(rep >= ev && rep <= ev + 5, `${via}: replacement Running on w2 ${rep - ev} s after the eviction`);
  const taints = fs
    .readFileSync(path.join(dir, 'timeline.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { type: string; name?: string; taints?: { taint: string; effect: string }[] },
    )
    .filter((e) => e.type === 'node' && e.name === 'w1')
    .flatMap((e) => (e.taints ?? []).map((x) => `${x.taint}:${x.effect}`));
  t.ok(taints.includes('node.kubernetes.io/unreachable:NoSchedule'), `${via}: unreachable NoSchedule taint`);
  t.ok(taints.includes('node.kubernetes.io/unreachable:NoExecute'), `${via}: unreachable NoExecute taint`);
  t.same(await workloadPods(kube, labTopology(lab.cfg).apiUrl), [], `${via}: the drill workload was removed`);
}

t.test('kubelet-stop: the kubelet over ssh, the host on the lab, measured alike', async (t) => {
  const viaSsh = await lab.drill('ssh', args);
  await promised(t, 'ssh', viaSsh.report, viaSsh.dir);
  t.equal(
    viaSsh.report.meta.variant ?? 'kubelet',
    'kubelet',
    'ssh: the default variant, the kubelet stopped',
  );
  const viaLab = await lab.drill('lab', [...args, '--variant', 'host']);
  await promised(t, 'lab', viaLab.report, viaLab.dir);
  t.equal(viaLab.report.meta.variant, 'host', "lab: the host variant, w1's link down");
  t.equal(viaLab.report.fault.proofs?.[0]?.proof.kind, 'link-down', "lab: proven by w1's link state");
  sameAsLab(t, viaSsh.report, viaLab.report);
});
