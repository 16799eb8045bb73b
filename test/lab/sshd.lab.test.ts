/**
 * The ssh executor against the lab's real OpenSSH sshd (one per lab host): commands run inside
 * the host's namespace, argv survives the remote shell, stdin, exit codes, timeouts, connection
 * reuse and reconnect; strict host-key checking refuses unknown and changed keys (exit 3) and the
 * opt-out accepts them; the lab's inventory validates and the ssh target reads its timings and
 * VIP holder from the hosts; a host whose login shell starts slowly is a preflight finding.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { hostCommandFindings } from '../../src/analysis/host-commands.ts';
import { SshExecutor } from '../../src/executors/ssh.ts';
import type { SshHost } from '../../src/executors/types.ts';
import { clusterHosts, hostsByRole } from '../../src/lab/config.ts';
import { labSshFiles, sessionHome } from '../../src/lab/sshd.ts';
import { labInventoryYaml } from '../../src/lab/sshd-inventory.ts';
import { Supervisor } from '../../src/lab/supervisor.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { hostCommandTimes } from '../../src/runner/inspect.ts';
import { loadInventory } from '../../src/targets/inventory.ts';
import { SshTarget } from '../../src/targets/ssh.ts';
import { TargetError } from '../../src/util/errors.ts';
import { holdLabLock, labForTest } from '../helpers/lab.ts';

await holdLabLock(t);
const cfg = await labForTest(t, 'fast');
const files = labSshFiles(cfg);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-ssh-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sshHost = (name: string, over: Partial<SshHost> = {}): SshHost => {
  const h = cfg.hosts.find((x) => x.name === name)!;
  return {
    name,
    address: h.ip,
    port: 22,
    user: 'root',
    keyPath: files.clientKey,
    sudo: false,
    knownHostsPath: files.knownHosts,
    ...over,
  };
};

t.test('an sshd runs in every lab host, on its namespace address only', async (t) => {
  const sup = new Supervisor(cfg.stateDir);
  // Every cluster host (mon1, the monitoring host, is not one: no sshd, not in the inventory).
  for (const h of clusterHosts(cfg)) t.equal(sup.state(h.name, 'sshd').state, 'running', `${h.name} sshd`);
  const conf = fs.readFileSync(path.join(cfg.stateDir, 'cp1', 'sshd_config'), 'utf8');
  t.match(conf, /^ListenAddress 198\.18\.0\.11:22$/m);
  t.match(conf, /^PasswordAuthentication no$/m);
});

t.test('commands run in the host namespace through real ssh', async (t) => {
  const ex = new SshExecutor(clusterHosts(cfg).map((h) => sshHost(h.name)));
  t.teardown(() => ex.close());
  const addr = await ex.exec('cp2', ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  t.equal(addr.code, 0, addr.stderr);
  t.match(addr.stdout, /inet 198\.18\.0\.12\//, 'the command saw cp2 addresses');
  // argv with quotes, spaces, globs and $ survives the remote shell unchanged.
  const tricky = ["it's", 'a b', '*', '$HOME', '`id`', '"x"', ''];
  const echo = await ex.exec('cp1', ['printf', '%s\\n', ...tricky]);
  t.same(echo.stdout.split('\n').slice(0, -1), tricky);
  const stdin = await ex.exec('w1', ['sh', '-c', 'tr a-z A-Z'], { input: 'hello' });
  t.equal(stdin.stdout, 'HELLO');
  const fail = await ex.exec('lb1', ['sh', '-c', 'echo oops >&2; exit 7']);
  t.equal(fail.code, 7);
  t.equal(fail.stderr.trim(), 'oops');
  const slow = await ex.exec('lb1', ['sleep', '5'], { timeoutMs: 300 });
  t.ok(slow.timedOut, 'timed out');
  t.ok(slow.durationMs < 2000, `returned after ${Math.round(slow.durationMs)} ms`);
  const local = await ex.exec('local', ['ip', '-o', 'link', 'show', cfg.bridge]);
  t.equal(local.code, 0, 'local runs on the harness machine');
  // One connection per host, reused; many parallel sessions on it.
  const c1 = await ex.connection('cp1');
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => ex.exec('cp1', ['echo', String(i)])));
  t.same(
    many.map((r) => r.stdout.trim()),
    Array.from({ length: 20 }, (_, i) => String(i)),
  );
  t.equal(await ex.connection('cp1'), c1, 'the connection is reused');
  // A dropped connection is reopened on the next command.
  c1.end();
  await new Promise((r) => setTimeout(r, 200));
  const again = await ex.exec('cp1', ['true']);
  t.equal(again.code, 0, 'reconnected after the connection closed');
  t.not(await ex.connection('cp1'), c1);
});

t.test("a session's home is the lab host's own: the harness machine's dotfiles never run", async (t) => {
  const ex = new SshExecutor([sshHost('lb2')]);
  t.teardown(() => ex.close());
  const home = sessionHome(cfg, cfg.hosts.find((h) => h.name === 'lb2')!);
  const r = await ex.exec('lb2', ['sh', '-c', 'echo "$HOME"; echo "$FROM_RC"']);
  t.equal(r.code, 0, r.stderr);
  t.same(r.stdout.split('\n').slice(0, 2), [home, ''], 'HOME is the host home; no rc ran');
  // The login shell still reads that home's ~/.bashrc (bash run by sshd does): a host's own
  // startup files run, the harness machine's (here /root/.bashrc, with pyenv) do not.
  fs.writeFileSync(path.join(home, '.bashrc'), 'export FROM_RC=lb2\n');
  t.teardown(() => fs.rmSync(path.join(home, '.bashrc'), { force: true }));
  const withRc = await ex.exec('lb2', ['sh', '-c', 'echo "$FROM_RC"']);
  t.equal(withRc.stdout.trim(), 'lb2', "the host's own ~/.bashrc ran");
});

t.test('strict host-key checking: unknown and changed keys are refused', async (t) => {
  const empty = path.join(tmp, 'empty_known_hosts');
  fs.writeFileSync(empty, '');
  const unknown = new SshExecutor([sshHost('cp1', { knownHostsPath: empty })]);
  t.teardown(() => unknown.close());
  const e1 = await unknown.exec('cp1', ['true']).catch((e: unknown) => e);
  t.type(e1, TargetError);
  t.match((e1 as Error).message, /host key ssh-ed25519 SHA256:\S+ is not in .*empty_known_hosts/);
  t.match((e1 as Error).message, /--insecure-ignore-host-keys/);
  t.equal((e1 as TargetError).exitCode, 3);

  // cp1's address listed with cp2's key: a changed key.
  const lines = fs.readFileSync(files.knownHosts, 'utf8').split('\n');
  const cp2Key = lines
    .find((l) => l.startsWith('198.18.0.12 '))!
    .split(' ')
    .slice(1)
    .join(' ');
  const changed = path.join(tmp, 'changed_known_hosts');
  fs.writeFileSync(changed, `198.18.0.11 ${cp2Key}\n`);
  const ch = new SshExecutor([sshHost('cp1', { knownHostsPath: changed })]);
  t.teardown(() => ch.close());
  const e2 = await ch.exec('cp1', ['true']).catch((e: unknown) => e);
  t.type(e2, TargetError);
  t.match((e2 as Error).message, /HOST KEY CHANGED/);

  const insecure = new SshExecutor([sshHost('cp1', { knownHostsPath: empty })], {
    insecureIgnoreHostKeys: true,
  });
  t.teardown(() => insecure.close());
  const ok = await insecure.exec('cp1', ['true']);
  t.equal(ok.code, 0, 'the explicit opt-out connects');
  t.match(insecure.unverified[0], /^cp1 SHA256:/, 'and records the unverified key');

  const noKey = new SshExecutor([sshHost('cp1', { keyPath: path.join(tmp, 'missing') })]);
  const e3 = await noKey.exec('cp1', ['true']).catch((e: unknown) => e);
  t.type(e3, TargetError);
  t.match((e3 as Error).message, /cannot read key/);
  // A key sshd does not know: authentication fails with a message naming the user and key.
  const other = path.join(tmp, 'other_key');
  const { execFileSync } = await import('node:child_process');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  const wrong = new SshExecutor([sshHost('cp1', { keyPath: other })]);
  const e4 = await wrong.exec('cp1', ['true']).catch((e: unknown) => e);
  t.type(e4, TargetError);
  t.match((e4 as Error).message, /authentication failed for user 'root' with key .*other_key/);
});

t.test('the lab inventory drives an ssh target: timings and VIP holder read over ssh', async (t) => {
  const file = path.join(tmp, 'inventory.yaml');
  fs.writeFileSync(file, labInventoryYaml(cfg));
  const inv = loadInventory(file);
  t.equal(inv.hosts.length, clusterHosts(cfg).length);
  const target = new SshTarget(inv);
  t.teardown(() => target.close());
  await target.connectAll();
  const lab = new LabTarget(cfg);
  const [viaSsh, fromLab] = await Promise.all([target.timings(), lab.timings()]);
  const values = ({ origins: _, ...v }: typeof viaSsh & { origins?: unknown }) => v;
  t.same(values(viaSsh), values(fromLab), 'timings read from the manifests and configs equal the lab config');
  const holder = await target.vipHolder();
  t.equal(holder, await lab.vipHolder(), `VIP holder ${holder}`);
  t.ok(
    hostsByRole(cfg, 'lb').some((h) => h.name === holder),
    'held by an LB',
  );
  t.same(
    target.topology.apiservers.map((a) => a.url),
    lab.topology.apiservers.map((a) => a.url),
  );
  t.same(
    target.topology.etcd.map((e) => e.url),
    lab.topology.etcd.map((e) => e.url),
  );
  // A static pod's 'running' is the kubeadm profile's own (its process found by name in the
  // host, over ssh); the kubelet's is overridden (the lab's pid files, on the harness machine);
  // a component the host does not run exits 3.
  const cmd = target.profile.command({ kind: 'running', host: 'cp1', component: 'kube-apiserver' });
  t.equal(cmd.host, 'cp1', 'run on the node');
  const running = await target.executor.exec(cmd.host, cmd.argv);
  t.equal(running.code, 0, running.stderr);
  t.match(running.stdout, /^\d+\n$/);
  const kubelet = target.profile.command({ kind: 'running', host: 'w1', component: 'kubelet' });
  t.equal(kubelet.host, 'local', 'the lab pid files are read on the harness machine');
  t.equal((await target.executor.exec(kubelet.host, kubelet.argv)).code, 0);
  const noneCmd = target.profile.command({ kind: 'running', host: 'w1', component: 'kube-apiserver' });
  const none = await target.executor.exec(noneCmd.host, noneCmd.argv);
  t.equal(none.code, 3);
});

t.test('a host whose login shell starts slowly is a preflight finding, measured over ssh', async (t) => {
  const file = path.join(tmp, 'inventory-slow.yaml');
  fs.writeFileSync(file, labInventoryYaml(cfg));
  const target = new SshTarget(loadInventory(file));
  t.teardown(() => target.close());
  const rc = path.join(sessionHome(cfg, cfg.hosts.find((h) => h.name === 'lb2')!), '.bashrc');
  fs.writeFileSync(rc, 'sleep 0.7\n');
  t.teardown(() => fs.rmSync(rc, { force: true }));
  const times = await hostCommandTimes(target);
  const lb2 = times.find((x) => x.host === 'lb2');
  t.ok(
    lb2?.ok && lb2.ms >= 700,
    `lb2's command waited for its startup file (${lb2?.ok ? Math.round(lb2.ms) : lb2?.why} ms)`,
  );
  const cp1 = times.find((x) => x.host === 'cp1');
  t.ok(cp1?.ok && cp1.ms < 500, `cp1's did not (${cp1?.ok ? Math.round(cp1.ms) : cp1?.why} ms)`);
  t.same(
    hostCommandFindings(times, 'ssh').map((f) => f.id),
    ['slow-host-command:lb2'],
    'one finding, for lb2',
  );
});
