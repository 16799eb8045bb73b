/**
 * `npm run drill -- apiserver-kill` end to end, through real ssh and on the lab: the same drill
 * CLI run with `--target lab` and with `--target ssh --inventory <the lab's inventory>` (sshd in
 * every lab host, strict host keys) yields the same measurements, all observed, the same
 * verdicts, and the same expected windows (timings read over ssh from the manifests and configs
 * equal the lab config's). The kill over ssh is the kubeadm profile's: the process by PID, then
 * the manifest parked. Each run's fault is real and healed (a new kube-apiserver process), its
 * alert detected, and all five report files carry measured numbers and no secret.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import t from 'tap';
import { componentPid, componentPids } from '../../src/lab/control.ts';
import { runCli } from '../helpers/cli.ts';
import { byName, type Report, sameAsLab, sshLab, verified } from './ssh-lab.ts';

const lab = await sshLab(t);
const ttl = lab.cfg.timings.apiserver.masterLeaseTtlS + lab.cfg.timings.apiserver.endpointReconcileIntervalS;

/** One run: the kill took effect and was healed (a new process), measured, detected, five reports. */
async function killedAndReported(t: Test, via: 'ssh' | 'lab'): Promise<Report> {
  const before = componentPid(lab.cfg, 'cp2', 'kube-apiserver');
  t.type(before, 'number', `${via}: kube-apiserver runs on cp2 (a static pod of its kubelet)`);
  const run = await lab.drill(via, ['apiserver-kill', '--host', 'cp2', '--gate']);
  const report = run.report;
  t.equal(run.code, 0, run.out.slice(-3000));
  t.equal(report.fault.status, 'proven', `${via}: the kill took effect`);
  t.equal(report.fault.heal.status, 'done', `${via}: and the heal ran`);
  t.ok(
    verified(report),
    `${via}: steady state again after the heal: ${report.phases.find((p) => p.phase === 'verify')?.message ?? ''}`,
  );
  const after = componentPid(lab.cfg, 'cp2', 'kube-apiserver');
  t.type(after, 'number', `${via}: its kubelet runs it again: the manifest came back`);
  t.not(after, before, `${via}: a new process`);
  const s = byName(report);
  for (const name of ['lb_failover_s', 'endpoint_removal_s', 'rto_s', 'api_outage_s'])
    t.type(s[name]?.value, 'number', `${via}: ${name} measured: ${s[name]?.value}`);
  t.equal(s.rpo_lost_writes?.value, 0, `${via}: no acknowledged write lost`);
  // The lease reconciler removes a dead apiserver within TTL + interval (+ probe resolution).
  t.ok(
    s.endpoint_removal_s!.value! <= ttl + 1,
    `${via}: endpoint removal ${s.endpoint_removal_s!.value} s <= ${ttl} + 1`,
  );
  // Detection through the lab's Prometheus and Alertmanager: APIServerDown for cp2's apiserver.
  const expected = (report.alerts ?? []).filter((a) => a.role === 'expected');
  t.match(expected, [{ alert: 'APIServerDown', verdict: 'pass' }], expected[0]?.message ?? 'no alert');
  for (const k of ['detect', 'notify', 'resolve'])
    t.type(s[`${k}_APIServerDown_s`]?.value, 'number', `${via}: ${k}_APIServerDown_s measured`);
  t.same(fs.readdirSync(run.dir).sort(), [
    'junit.xml',
    'report.html',
    'report.json',
    'report.md',
    'timeline.jsonl',
  ]);
  const junit = fs.readFileSync(path.join(run.dir, 'junit.xml'), 'utf8');
  // One test case per SLO (the detection measurements among them), one per expected alert and
  // per alert that failed the run, and the run's fidelity case (src/model/fidelity.ts).
  const alertCases = (report.alerts ?? []).filter((a) => a.role === 'expected' || a.verdict === 'fail');
  t.equal(
    (junit.match(/<testcase /g) ?? []).length,
    report.measurements.filter((x) => x.verdict).length + alertCases.length + 1,
    `${via}: one test case per SLO and per expected alert, plus fidelity`,
  );
  t.match(junit, /apiserver-kill › alert APIServerDown/);
  t.match(junit, /apiserver-kill › fidelity/);
  t.match(junit, /apiserver-kill › lb_failover_s &lt; 30/);
  const timeline = fs.readFileSync(path.join(run.dir, 'timeline.jsonl'), 'utf8').trim().split('\n');
  t.ok(timeline.length > 50, `${via}: timeline has ${timeline.length} events`);
  const all = fs.readFileSync(path.join(run.dir, 'report.html'), 'utf8') + junit + timeline.join('\n');
  t.notMatch(all, /BEGIN [A-Z ]*PRIVATE KEY|client-key-data/, `${via}: no secret in any report`);
  return report;
}

t.test('apiserver-kill: --target ssh measures what --target lab measures', async (t) => {
  const viaSsh = await killedAndReported(t, 'ssh');
  t.match(viaSsh.meta.target, /^lab-ssh/);
  const viaLab = await killedAndReported(t, 'lab');
  sameAsLab(t, viaSsh, viaLab);
});

t.test('bad inventory: exit 2 naming the file and the field', async (t) => {
  const fs = await import('node:fs');
  const bad = `${lab.inventory}.bad.yaml`;
  fs.writeFileSync(
    bad,
    fs.readFileSync(lab.inventory, 'utf8').replace('address: 198.18.0.12', 'address: 12'),
  );
  fs.writeFileSync(bad, fs.readFileSync(bad, 'utf8').replace(/roles:\n\s+- lb/, 'roles:\n      - balancer'));
  const res = await runCli('drill', ['apiserver-kill', '--target', 'ssh', '--inventory', bad]);
  t.equal(res.code, 2, res.stderr);
  t.match(res.stderr, /inventory .*inventory\.yaml\.bad\.yaml is not valid/);
  t.match(res.stderr, /hosts\[3\]\.roles\[0\]/);
  const noInv = await runCli('drill', ['apiserver-kill', '--target', 'ssh']);
  t.equal(noInv.code, 2);
  t.match(noInv.stderr, /--target ssh needs --inventory FILE/);
});

t.test('unknown host keys: exit 3 before anything is injected', async (t) => {
  const fs = await import('node:fs');
  const inv = `${lab.inventory}.nokeys.yaml`;
  const empty = `${lab.inventory}.empty_known_hosts`;
  fs.writeFileSync(empty, '');
  fs.writeFileSync(
    inv,
    fs.readFileSync(lab.inventory, 'utf8').replace(/knownHosts: .*/, `knownHosts: ${empty}`),
  );
  const pids = [...componentPids(lab.cfg)];
  const drill = (...a: string[]) => runCli('drill', a, { timeoutMs: 120_000 });
  // The same cluster (hosts and kubeconfig): the lab's pin holds; only the known_hosts differ.
  const res = await drill('apiserver-kill', '--target', 'ssh', '--inventory', inv, '--config', lab.pinConfig);
  t.equal(res.code, 3, res.stderr);
  t.match(res.stderr, /host key ssh-ed25519 SHA256:\S+ is not in .*empty_known_hosts/);
  t.same([...componentPids(lab.cfg)], pids, 'nothing was stopped');
});
