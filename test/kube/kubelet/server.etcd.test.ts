/**
 * The real kubelet process's server with kubeadm's KubeletConfiguration (x509 clientCAFile, anonymous
 * off, Webhook) against our apiserver on real etcd: /metrics is 401 without a client certificate;
 * with the cluster CA's prometheus certificate it has kubelet_node_name, and kubelet_running_pods
 * and kubelet_running_containers follow a pod bound to the node; the exposition is promtool-clean.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import t from 'tap';
import { freePort, startTestApiserver } from '../../helpers/apiserver.ts';
import { httpsGet, prometheusCert, promtoolCheck } from '../../helpers/https.ts';
import { spawnComponent, until } from '../leaderelection/procs.ts';

t.test('kubelet /metrics on its server port', async (t) => {
  const api = await startTestApiserver(t);
  const prometheus = await prometheusCert(api.dir);
  const config = path.join(api.dir, 'kubelet-config.yaml');
  writeFileSync(
    config,
    `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ${api.caFile}
authorization:
  mode: Webhook
nodeStatusUpdateFrequency: 1s
`,
  );
  const port = await freePort();
  await spawnComponent(t, 'kubelet/main.ts', [
    '--kubeconfig',
    api.kubeconfigPath,
    `--config=${config}`,
    '--hostname-override=w1',
    '--node-ip=127.0.0.1',
    '--address=127.0.0.1',
    `--port=${port}`,
    '--lab-pod-start-delay=100ms',
  ]);
  const url = `https://127.0.0.1:${port}/metrics`;
  await until('kubelet serving', 15_000, async () => (await httpsGet(url)).status > 0);
  const anon = await httpsGet(url);
  t.equal(anon.status, 401, 'anonymous authentication off: 401');
  const scrape = async () => (await httpsGet(url, { client: prometheus })).body;
  t.match(await scrape(), /^kubelet_node_name\{node="w1"\} 1$/m);

  const core = api.kubeConfig().makeApiClient(CoreV1Api);
  await until('node w1 registered', 15_000, async () => Boolean(await core.readNode({ name: 'w1' })));
  await core.createNamespacedPod({
    namespace: 'default',
    body: { metadata: { name: 'p' }, spec: { nodeName: 'w1', containers: [{ name: 'c', image: 'x' }] } },
  });
  await until('the pod counted running', 15_000, async () =>
    /^kubelet_running_pods 1$/m.test(await scrape()),
  );
  const text = await scrape();
  t.match(text, /^kubelet_running_containers\{container_state="running"\} 1$/m);
  t.match(text, /^process_start_time_seconds \S+$/m);
  const lint = await promtoolCheck(text);
  t.equal(lint.code, 0, `promtool check metrics: ${lint.output || 'clean'}`);
});
