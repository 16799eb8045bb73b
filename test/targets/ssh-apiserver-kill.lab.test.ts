/**
 * apiserver-kill through real ssh: the same drill CLI run with `--target lab` and with
 * `--target ssh --inventory <the lab's inventory>` (sshd in every lab host, strict host keys)
 * yields the same measurements, all observed, the same verdicts, and the same expected windows
 * (timings read over ssh from the manifests and configs equal the lab config's). The kill over
 * ssh is the kubeadm profile's: the process by PID, then the manifest parked.
 */
import t from 'tap';
import { componentPid, componentPids } from '../../src/lab/control.ts';
import { runCli } from '../helpers/cli.ts';
import { byName, sameAsLab, sshLab, verified } from './ssh-lab.ts';

const lab = await sshLab(t);
const ttl = lab.cfg.timings.apiserver.masterLeaseTtlS + lab.cfg.timings.apiserver.endpointReconcileIntervalS;

t.test('apiserver-kill: --target ssh measures what --target lab measures', async (t) => {
  const before = componentPid(lab.cfg, 'cp2', 'kube-apiserver');
  t.type(before, 'number', 'kube-apiserver runs on cp2');
  const viaSsh = await lab.drill('ssh', ['apiserver-kill', '--host', 'cp2', '--gate']);
  t.equal(viaSsh.code, 0, viaSsh.out.slice(-3000));
  t.match(viaSsh.report.meta.target, /^lab-ssh/);
  t.equal(viaSsh.report.fault.status, 'proven', 'the kill through ssh took effect');
  t.equal(viaSsh.report.fault.heal.status, 'done', 'and the heal through ssh ran');
  t.ok(
    verified(viaSsh.report),
    `steady state again after the heal: ${viaSsh.report.phases.find((p) => p.phase === 'verify')?.message ?? ''}`,
  );
  const after = componentPid(lab.cfg, 'cp2', 'kube-apiserver');
  t.type(after, 'number', 'its kubelet runs it again: the manifest came back over ssh');
  t.not(after, before, 'a new process');

  const viaLab = await lab.drill('lab', ['apiserver-kill', '--host', 'cp2', '--gate']);
  t.equal(viaLab.code, 0, viaLab.out.slice(-3000));
  const s = byName(viaSsh.report);
  sameAsLab(t, viaSsh.report, viaLab.report);
  for (const name of ['lb_failover_s', 'endpoint_removal_s', 'rto_s', 'api_outage_s']) {
    t.type(s[name]?.value, 'number', `${name} measured over ssh: ${s[name]?.value}`);
  }
  t.equal(s.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
  t.ok(
    s.endpoint_removal_s!.value! <= ttl + 1,
    `endpoint removal ${s.endpoint_removal_s!.value} s <= ${ttl} + 1`,
  );
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
