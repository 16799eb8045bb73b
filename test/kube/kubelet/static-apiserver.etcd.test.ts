/**
 * The chicken and the egg, as on a kubeadm control plane: our kube-apiserver runs as a static pod
 * of the kubelet whose API it serves. The kubelet starts it with no API reachable, registers once
 * it answers, mirrors it as kube-system/kube-apiserver-cp1 (Ready from the HTTPS readiness probe,
 * certificate not verified); a SIGKILL of the apiserver (the apiserver-kill drill) is restarted at
 * once and the mirror shows restartCount 1.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { makeClients } from '../../../src/kube/runtime/kube.ts';
import { startTestApiserver } from '../../helpers/apiserver.ts';
import { expectLog, spawnComponent, until } from '../leaderelection/procs.ts';
import { alive, layout, manifest } from './static/helpers.ts';

t.test('kube-apiserver as a static pod', async (t) => {
  t.setTimeout(60_000);
  const api = await startTestApiserver(t);
  // the helper's apiserver command line, then that process gone: the kubelet runs it from now on
  const argv = readFileSync(`/proc/${api.proc.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  api.proc.kill('SIGKILL');
  await api.exited();
  const l = await layout(t);
  await mkdir(l.manifests, { recursive: true });
  await writeFile(
    path.join(l.manifests, 'kube-apiserver.yaml'),
    manifest({
      name: 'kube-apiserver',
      grace: 2,
      command: argv,
      container: {
        readinessProbe: {
          httpGet: { host: api.address, port: api.port, path: '/readyz', scheme: 'HTTPS' },
          periodSeconds: 1,
          failureThreshold: 3,
        },
      },
    }),
  );
  const kubelet = await spawnComponent(t, 'kubelet/main.ts', [
    '--kubeconfig',
    api.kubeconfigPath,
    '--hostname-override=cp1',
    `--node-ip=${api.address}`,
    '--node-status-update-frequency=1s',
    `--pod-manifest-path=${l.manifests}`,
    `--root-dir=${l.rootDir}`,
    `--lab-pod-logs-dir=${l.logs}`,
  ]);
  const pids = () =>
    [
      ...kubelet
        .text()
        .matchAll(/container started pod=kube-apiserver-cp1 container=kube-apiserver pid=(\d+)/g),
    ].map((m) => Number(m[1]));
  t.teardown(() => {
    for (const pid of pids())
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
  });
  await until('apiserver container started', 10_000, () => pids().length === 1);
  const { core } = makeClients(api.kubeConfig(), 3000);
  const mirror = () => core.readNamespacedPod({ name: 'kube-apiserver-cp1', namespace: 'kube-system' });
  const ready = async () => (await mirror()).status?.containerStatuses?.[0]?.ready === true;
  await until('mirror pod Ready', 30_000, ready);
  t.pass('the kubelet registered through the apiserver it started and mirrored it');
  t.match(
    (await core.readNode({ name: 'cp1' })).status?.conditions?.find((c) => c.type === 'Ready'),
    { status: 'True' },
  );

  const first = pids()[0]!;
  process.kill(first, 'SIGKILL');
  await until('restarted', 10_000, () => pids().length === 2 && alive(pids()[1]));
  t.notOk(alive(first));
  await until('mirror shows restartCount 1 and Ready', 30_000, async () => {
    const cs = (await mirror()).status?.containerStatuses?.[0];
    return cs?.restartCount === 1 && cs.ready === true;
  });
  t.equal(
    (await mirror()).status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode,
    137,
    'SIGKILL: 128 + 9',
  );
  await expectLog(t, kubelet, /container exited pod=kube-apiserver-cp1 .*exitCode=137/);
});
