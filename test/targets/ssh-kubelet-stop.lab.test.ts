/**
 * kubelet-stop through real ssh: `--target ssh --inventory <the lab's inventory>` kills w1's
 * kubelet over ssh and measures what `--target lab` measures (NotReady after the grace period,
 * eviction after the toleration, replacement Running elsewhere), with the same expected windows.
 */
import t from 'tap';
import { byName, sameAsLab, sshLab, verified } from './ssh-lab.ts';

const lab = await sshLab(t);
const nl = lab.cfg.timings.nodeLifecycle;
const renewS = lab.cfg.timings.kubelet.nodeLeaseDurationS / 4;
const TOLERATION_S = 4;
const args = ['kubelet-stop', '--host', 'w1', '--toleration-seconds', String(TOLERATION_S)];

t.test('kubelet-stop: --target ssh measures what --target lab measures', async (t) => {
  const viaSsh = await lab.drill('ssh', args);
  t.equal(viaSsh.report.fault.status, 'proven', viaSsh.out.slice(-2000));
  t.equal(viaSsh.report.fault.heal.status, 'done');
  t.ok(
    verified(viaSsh.report),
    `steady state again after the heal: ${viaSsh.report.phases.find((p) => p.phase === 'verify')?.message ?? ''}`,
  );
  const s = byName(viaSsh.report);
  const nr = s.node_notready_s?.value ?? Number.NaN;
  const lo = nl.nodeMonitorGracePeriodS - renewS - 0.5;
  const hi = nl.nodeMonitorGracePeriodS + 2 * nl.nodeMonitorPeriodS + 0.5;
  t.ok(nr >= lo && nr <= hi, `node_notready_s = ${nr} within [${lo}, ${hi}]`);
  const ev = s.pod_eviction_s?.value ?? Number.NaN;
  t.ok(
    ev - nr >= TOLERATION_S - 0.5 && ev - nr <= TOLERATION_S + nl.nodeMonitorPeriodS + 1.5,
    `evicted ${ev - nr} s after NotReady`,
  );

  const viaLab = await lab.drill('lab', args);
  sameAsLab(t, viaSsh.report, viaLab.report);
});
