/**
 * The kubelet's metrics from what it runs: kubelet_node_name{node} 1, kubelet_running_pods
 * (static pod sandboxes plus API pods reported Running), kubelet_running_containers by runtime
 * state (a crashed static container is exited; one never started is not in the runtime).
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import t from 'tap';
import {
  countRuntime,
  kubeletMetrics,
  RuntimeView,
  runtimeState,
} from '../../../src/kube/kubelet/metrics.ts';
import { promtoolCheck } from '../../helpers/https.ts';

const running: V1ContainerStatus = {
  name: 'a',
  image: 'i',
  imageID: '',
  ready: true,
  restartCount: 0,
  state: { running: {} },
};
const crashed: V1ContainerStatus = {
  ...running,
  name: 'b',
  state: { waiting: { reason: 'CrashLoopBackOff' } },
  lastState: { terminated: { exitCode: 1 } },
};
const creating: V1ContainerStatus = {
  ...running,
  name: 'c',
  state: { waiting: { reason: 'ContainerCreating' } },
};
const apiPod = (containers: number): V1Pod => ({
  spec: { containers: Array.from({ length: containers }, (_, i) => ({ name: `c${i}` })) },
  status: { phase: 'Running' },
});

t.test('runtime states and counts', async (t) => {
  t.equal(runtimeState(running), 'running');
  t.equal(runtimeState(crashed), 'exited');
  t.equal(runtimeState(creating), undefined, 'not created yet: not in the runtime');
  t.equal(runtimeState({ ...running, state: { terminated: { exitCode: 0 } } }), 'exited');
  const view = new RuntimeView();
  view.staticPods = () => [{ statuses: () => [running, crashed] }, { statuses: () => [creating] }];
  view.apiPods = () => [apiPod(2)];
  const c = countRuntime(view);
  t.equal(c.pods, 3);
  t.same(Object.fromEntries(c.containers), { running: 3, exited: 1 });
});

t.test('exposition at scrape time; a state seen once stays (at 0 when empty)', async (t) => {
  const registry = new Registry();
  const view = new RuntimeView();
  kubeletMetrics(registry, 'w1', view);
  let text = await registry.metrics();
  t.match(text, /^kubelet_node_name\{node="w1"\} 1$/m);
  t.match(text, /^kubelet_running_pods 0$/m);
  view.staticPods = () => [{ statuses: () => [running, crashed] }];
  text = await registry.metrics();
  t.match(text, /^kubelet_running_pods 1$/m);
  t.match(text, /^kubelet_running_containers\{container_state="running"\} 1$/m);
  t.match(text, /^kubelet_running_containers\{container_state="exited"\} 1$/m);
  view.staticPods = () => [{ statuses: () => [running] }];
  text = await registry.metrics();
  t.match(text, /^kubelet_running_containers\{container_state="exited"\} 0$/m);
  const lint = await promtoolCheck(text);
  t.equal(lint.code, 0, `promtool check metrics: ${lint.output || 'clean'}`);
});
