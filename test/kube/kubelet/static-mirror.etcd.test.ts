/**
 * Mirror pods against the real lab apiserver: the kubelet process runs a static pod from its
 * manifest directory and mirrors it into kube-system as <pod>-<node> with the upstream annotations,
 * the Node as controller owner and the status (Running, ready from the readiness probe, restart
 * count); `kubectl delete` of the mirror pod recreates it without touching the container; a
 * crash-looping container's restarts show in the mirror's restartCount; removing the manifest
 * removes the mirror pod.
 */

import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { makeClients } from '../../../src/kube/runtime/kube.ts';
import { startTestApiserver } from '../../helpers/apiserver.ts';
import { expectLog, spawnComponent, until } from '../leaderelection/procs.ts';
import { alive, freePort, layout, manifest } from './static/helpers.ts';

t.test('mirror pods', async (t) => {
  t.setTimeout(60_000);
  const api = await startTestApiserver(t);
  const l = await layout(t);
  await mkdir(l.manifests, { recursive: true });
  const { core } = makeClients(api.kubeConfig(), 3000);
  const port = await freePort();
  const script = `require('http').createServer((q,s)=>{s.writeHead(200);s.end('ok')}).listen(${port},'127.0.0.1')`;
  await writeFile(
    path.join(l.manifests, 'web.yaml'),
    manifest({
      name: 'web',
      grace: 1,
      command: [process.execPath, '-e', script],
      container: {
        readinessProbe: { httpGet: { host: '127.0.0.1', port, path: '/readyz' }, periodSeconds: 1 },
      },
    }),
  );
  const kubelet = await spawnComponent(t, 'kubelet/main.ts', [
    '--kubeconfig',
    api.kubeconfigPath,
    '--hostname-override=cp1',
    '--node-ip=127.0.0.1',
    '--node-status-update-frequency=1s',
    `--pod-manifest-path=${l.manifests}`,
    `--root-dir=${l.rootDir}`,
    `--lab-pod-logs-dir=${l.logs}`,
    '--lab-crash-backoff=500ms',
    '--register-with-taints=node-role.kubernetes.io/control-plane:NoSchedule',
    '--lab-crash-backoff-max=1s',
  ]);
  const read = (name: string) => core.readNamespacedPod({ name, namespace: 'kube-system' });
  const mirrorReady = async (name: string) => {
    const p = await read(name);
    return (
      p.status?.phase === 'Running' &&
      p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
    );
  };
  let pid = 0;

  await t.test('created with annotations, owner and a Running/Ready status', async (t) => {
    await until('web-cp1 Running and Ready', 20_000, () => mirrorReady('web-cp1'));
    const p: V1Pod = await read('web-cp1');
    const a = p.metadata?.annotations ?? {};
    t.equal(a['kubernetes.io/config.source'], 'file');
    t.match(a['kubernetes.io/config.hash'], /^[0-9a-f]{32}$/);
    t.equal(
      a['kubernetes.io/config.mirror'],
      a['kubernetes.io/config.hash'],
      'config.mirror = the static pod hash',
    );
    const node = await core.readNode({ name: 'cp1' });
    t.match(
      node.spec?.taints,
      [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      'registered with the taint',
    );
    t.match(p.metadata?.ownerReferences, [
      { kind: 'Node', name: 'cp1', uid: node.metadata?.uid, controller: true },
    ]);
    t.equal(p.spec?.nodeName, 'cp1');
    const cs = p.status?.containerStatuses?.[0];
    t.match(cs, { name: 'web', ready: true, started: true, restartCount: 0 });
    t.ok(cs?.state?.running?.startedAt, 'state running');
    t.equal(p.status?.podIP, '127.0.0.1', 'hostNetwork: the node IP');
    pid = Number(/container started pod=web-cp1 container=web pid=(\d+)/.exec(kubelet.text())?.[1]);
    t.ok(alive(pid), `container pid ${pid}`);
  });

  await t.test('kubectl delete recreates the mirror pod and leaves the container alone', async (t) => {
    const before = (await read('web-cp1')).metadata?.uid;
    await api.kubectl(['-n', 'kube-system', 'delete', 'pod', 'web-cp1', '--wait=false']);
    await until('a new mirror pod', 10_000, async () => {
      const p = await read('web-cp1').catch(() => undefined);
      return p !== undefined && p.metadata?.uid !== before && !p.metadata?.deletionTimestamp;
    });
    await until('Ready again', 10_000, () => mirrorReady('web-cp1'));
    t.ok(alive(pid), 'same container process');
    await expectLog(t, kubelet, /mirror pod deleted pod=kube-system\/web-cp1 why="being deleted"/);
  });

  await t.test('restarts show in the mirror status; removing the manifest removes the mirror', async (t) => {
    await writeFile(
      path.join(l.manifests, 'crash.yaml'),
      manifest({ name: 'crash', command: ['sh', '-c', 'sleep 0.2; exit 1'] }),
    );
    await until('restartCount ≥ 2 in the mirror', 20_000, async () => {
      const p = await read('crash-cp1').catch(() => undefined);
      return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2;
    });
    const p = await read('crash-cp1');
    t.equal(
      p.status?.phase,
      'Running',
      'a restarting container keeps the pod Running (restartPolicy Always)',
    );
    t.equal(p.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
    await rm(path.join(l.manifests, 'crash.yaml'));
    await until(
      'crash-cp1 mirror gone',
      10_000,
      async () => (await read('crash-cp1').catch(() => undefined)) === undefined,
    );
    t.pass('mirror pod deleted with its static pod');
    await rm(path.join(l.manifests, 'web.yaml'));
    await until('web container stopped', 10_000, () => !alive(pid));
  });
});
