/**
 * The kubelet process (the bundle the lab runs) with static pods and no reachable API: `--config`
 * as kubeadm writes it, a flag overriding the file, the container running although the API never
 * answers, the container surviving a kubelet SIGKILL and SIGTERM, and the next kubelet adopting it
 * instead of starting a duplicate. Also the process names: `pgrep -x` finds the components.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { expectLog, spawnComponent, until } from '../leaderelection/procs.ts';
import { alive, layout, manifest } from './static/helpers.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: x}
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
`;

const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
const pgrep = async (...args: string[]) =>
  (
    await promisify(execFile)('pgrep', args).then(
      (r) => r.stdout,
      () => '',
    )
  )
    .split('\n')
    .filter(Boolean)
    .map(Number);

t.test('static pods run without the API and outlive the kubelet; the next kubelet adopts them', async (t) => {
  t.setTimeout(40_000);
  const l = await layout(t);
  await mkdir(l.manifests, { recursive: true });
  const kubeconfig = path.join(l.base, 'kubelet.conf');
  await writeFile(kubeconfig, KUBECONFIG);
  const config = path.join(l.base, 'config.yaml');
  await writeFile(
    config,
    `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: ${l.manifests}\nfileCheckFrequency: 1s\nnodeStatusUpdateFrequency: 0s\npodLogsDir: ${l.logs}\n`,
  );
  await writeFile(path.join(l.manifests, 'etcd.yaml'), manifest({ name: 'etcd', command: ['sleep', '300'] }));
  const args = [
    '--kubeconfig',
    kubeconfig,
    '--config',
    config,
    '--hostname-override=cp1',
    '--node-ip=127.0.0.1',
    `--root-dir=${l.rootDir}`,
  ];
  const k1 = await spawnComponent(t, 'kubelet/main.ts', [...args, '--file-check-frequency=3s']);
  const record = async () => {
    const uids = await readdir(path.join(l.rootDir, 'pods'));
    return JSON.parse(
      await readFile(path.join(l.rootDir, 'pods', uids[0] ?? '', 'containers', 'etcd', 'state.json'), 'utf8'),
    ) as { pid: number };
  };
  await until('etcd container recorded', 10_000, async () => alive((await record()).pid));
  const { pid } = await record();
  t.teardown(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  });
  await expectLog(t, k1, /watching static pod path .*fileCheckFrequencyMs=3000/); // the flag over the file's 1s
  await expectLog(t, k1, /node registration failed/); // the API never answered, the pod runs anyway
  t.equal(comm(k1.child.pid ?? 0), 'kubelet', 'process title');
  t.ok((await pgrep('-x', 'kubelet')).includes(k1.child.pid ?? 0), 'pgrep -x kubelet finds it');
  const logs = await readdir(l.logs);
  t.match(logs, [/^kube-system_etcd-cp1_[0-9a-f]{32}$/], 'logs under podLogsDir from the config file');

  k1.child.kill('SIGKILL');
  await k1.exited;
  t.ok(alive(pid), 'the container survives a kubelet SIGKILL');
  const k2 = await spawnComponent(t, 'kubelet/main.ts', args);
  await expectLog(t, k2, new RegExp(`container adopted pod=etcd-cp1 container=etcd pid=${pid}`));
  t.notMatch(k2.text(), /container started/, 'no duplicate started');
  k2.child.kill('SIGTERM');
  t.equal(await k2.exited, 0, 'kubelet exits on SIGTERM');
  t.ok(alive(pid), 'the container survives a kubelet SIGTERM');
  t.equal((await record()).pid, pid);
});

t.test('component process titles are their binary names', async (t) => {
  const l = await layout(t);
  const kubeconfig = path.join(l.base, 'kubeconfig');
  await writeFile(kubeconfig, KUBECONFIG);
  const s = await spawnComponent(t, 'scheduler/main.ts', ['--kubeconfig', kubeconfig]);
  const cm = await spawnComponent(t, 'controller-manager/main.ts', ['--kubeconfig', kubeconfig]);
  await until('titles set', 10_000, () => comm(s.child.pid ?? 0) === 'kube-scheduler');
  t.ok((await pgrep('-x', 'kube-scheduler')).includes(s.child.pid ?? 0), 'pgrep -x kube-scheduler');
  await until('kcm title', 10_000, () => comm(cm.child.pid ?? 0).startsWith('kube-controller'));
  // the kernel's comm holds 15 bytes: as on a real node, kube-controller-manager is "kube-controller"
  t.equal(comm(cm.child.pid ?? 0), 'kube-controller');
  t.ok(
    (await pgrep('-f', 'kube-controller-manager')).includes(cm.child.pid ?? 0),
    'pgrep -f kube-controller-manager (the command line is kept whole)',
  );
});
