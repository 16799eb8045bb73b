/**
 * lb-stop through real ssh: the VIP holder's link goes down by the host's own timer (the kubeadm
 * profile's link-down: nothing can be sent over the downed link, so the host brings it back
 * itself after the observation, and the heal waits for that: most of this file's time), the VIP
 * holder is read over ssh from the LB hosts while one of them is unreachable, and the backup's
 * takeover is measured as with `--target lab`.
 */
// hadrill-test: lab late (npm test runs this file after the other default-lab ones: its heal ends with a VIP failback)
import t from 'tap';
import { byName, sshLab, verified } from './ssh-lab.ts';

const lab = await sshLab(t);

t.test('lb-stop (link): --target ssh', async (t) => {
  const { report, code, out } = await lab.drill('ssh', ['lb-stop']);
  t.equal(code, 0, out.slice(-3000));
  t.equal(report.fault.status, 'proven', 'the LB host is off the network');
  t.equal(report.fault.heal.status, 'done', 'and back');
  t.ok(
    verified(report),
    `steady state again after the heal: ${report.phases.find((p) => p.phase === 'verify')?.message ?? ''}`,
  );
  const m = byName(report);
  t.type(m.vip_takeover_s?.value, 'number', `VIP moved in ${m.vip_takeover_s?.value} s, seen over ssh`);
  t.equal(m.vip_takeover_s?.verdict, 'pass');
  // Read over ssh with a 1 s per-LB timeout: the lab test's slack (0.5 s) plus that.
  const v = m.vip_takeover_s;
  t.ok(v?.expected, 'expected window from keepalived.conf read over ssh');
  t.ok(
    v?.value != null && v.expected && v.value >= v.expected.min - 1.5 && v.value <= v.expected.max + 1.5,
    `vip_takeover_s = ${v?.value} within [${v?.expected?.min} − 1.5, ${v?.expected?.max} + 1.5] (${v?.expected?.formula})`,
  );
  t.equal(m.rpo_lost_writes?.value, 0);
  t.equal(code, 0);
});
