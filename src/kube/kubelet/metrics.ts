/**
 * The kubelet's metrics that this kubelet can back with what it runs, names, labels and types as
 * kubernetes/kubernetes pkg/kubelet/metrics/metrics.go defines them:
 *  - `kubelet_node_name{node}` gauge, always 1;
 *  - `kubelet_running_pods` gauge: pods with a running sandbox;
 *  - `kubelet_running_containers{container_state}` gauge: containers by runtime state.
 * Upstream's PLEG sets the last two at every relist (pkg/kubelet/pleg/generic.go
 * updateRunningPodAndContainerMetrics: each pod's containers counted by state, the pod counted
 * when its sandbox runs); here they are computed at scrape time from the same state: a static
 * pod's worker is its sandbox, its containers are running or, after an exit (crash back-off or
 * terminated), exited; a pod from the API that this kubelet reported Running counts with its
 * containers as running (the lab runs no processes for those: runtimeStatus in pods.ts).
 * Like upstream, a state appears once a container has been in it; it then reads 0 when no
 * container is in it (upstream leaves its last count).
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { Gauge, type Registry } from 'prom-client';

/** What the runtime holds now; the agent fills it in as its loops start. */
export class RuntimeView {
  apiPods: () => readonly V1Pod[] = () => [];
  staticPods: () => readonly { statuses(): V1ContainerStatus[] }[] = () => [];
}

export type ContainerState = 'running' | 'exited' | 'created' | 'unknown';

/** A container status as the runtime's state, or undefined when the runtime has no container yet. */
export function runtimeState(s: V1ContainerStatus): ContainerState | undefined {
  if (s.state?.running) return 'running';
  if (s.state?.terminated || s.lastState?.terminated) return 'exited';
  return undefined;
}

/** Running sandboxes and containers by state (pure). */
export function countRuntime(view: RuntimeView): { pods: number; containers: Map<ContainerState, number> } {
  const containers = new Map<ContainerState, number>();
  const add = (st: ContainerState | undefined, n = 1) => {
    if (st) containers.set(st, (containers.get(st) ?? 0) + n);
  };
  const statics = view.staticPods();
  for (const p of statics) for (const s of p.statuses()) add(runtimeState(s));
  const api = view.apiPods();
  for (const p of api) add('running', p.spec?.containers?.length ?? 0);
  return { pods: statics.length + api.length, containers };
}

export function kubeletMetrics(registry: Registry, nodeName: string, view: RuntimeView): void {
  new Gauge({
    name: 'kubelet_node_name',
    help: "The node's name. The count is always 1.",
    labelNames: ['node'],
    registers: [registry],
  })
    .labels(nodeName)
    .set(1);
  const seen = new Set<ContainerState>();
  const current = () => countRuntime(view);
  new Gauge({
    name: 'kubelet_running_pods',
    help: 'Number of pods that have a running pod sandbox',
    registers: [registry],
    collect() {
      this.set(current().pods);
    },
  });
  new Gauge({
    name: 'kubelet_running_containers',
    help: 'Number of containers currently running',
    labelNames: ['container_state'],
    registers: [registry],
    collect() {
      const { containers } = current();
      for (const st of containers.keys()) seen.add(st);
      for (const st of seen) this.labels(st).set(containers.get(st) ?? 0);
    },
  });
}
