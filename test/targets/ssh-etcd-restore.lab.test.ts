/**
 * etcd-restore through real ssh: snapshot, copy (base64 over the ssh channel's stdin), wipe and
 * restore every member with the lab inventory's commands, run on each host by its sshd. The
 * same checks as the lab target's: every pre-snapshot write survived, the post-snapshot ones are
 * the loss, RTO observed, the cluster steady again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.ts';
import { byName, sshLab, verified } from './ssh-lab.ts';

const lab = await sshLab(t);

t.test('without --yes and without a terminal: exit 2, nothing touched, no report', async (t) => {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'hadr-consent-'));
  t.teardown(() => fs.rmSync(reports, { recursive: true, force: true }));
  const r = await runCli('drill', [
    'etcd-restore',
    '--target',
    'ssh',
    '--inventory',
    lab.inventory,
    '--config',
    lab.pinConfig,
    '--report-dir',
    reports,
  ]);
  t.equal(r.code, 2, r.stderr);
  t.match(
    r.stderr,
    /destructive on ssh target inventory .*\(hosts cp1, cp2, cp3, lb1, lb2, w1, w2\):\n {2}- etcd-restore: stops every kube-apiserver/,
  );
  t.match(r.stderr, /nothing was touched: pass --yes/);
  t.same(fs.readdirSync(reports), [], 'no report');
});

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
  // Detection through --prometheus/--alertmanager: every apiserver was down, APIServerDown fired.
  const expected = (report.alerts ?? []).filter((a) => a.role === 'expected');
  t.match(expected, [{ alert: 'APIServerDown' }]);
  for (const a of expected) t.equal(a.verdict, 'pass', a.message);
});
