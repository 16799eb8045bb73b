/**
 * kubelet-stop: stop one worker's kubelet (variant `host`: the worker's network link goes down,
 * the whole node is gone). The drill workload — a ReplicaSet with one pod per worker, spread by
 * the scheduler, tolerating unreachable/not-ready NoExecute for `--toleration-seconds` (default
 * DefaultTolerationSeconds' 300 s) — is deployed first and removed after; the fault aims at
 * `--host` or the first worker, and setup checks that worker runs one of the workload's pods.
 *
 * Measures node_notready_s, pod_eviction_s and pods_replaced_s (src/analysis/nodes.ts). Expected
 * windows (src/analysis/expected.ts) use the workload's tolerationSeconds:
 *   NotReady ∈ [grace, grace + monitor period + lease renew]
 *   eviction ∈ [grace + toleration, grace + period + renew + toleration + period]
 * Observation lasts until the replacements run elsewhere, at most the eviction bound + 60 s.
 */
import { nodeNotReady, podEviction, podsReplaced } from '../src/analysis/nodes.ts';
import { linkDownFault, linkDownForS } from '../src/faults/network.ts';
import { processFault } from '../src/faults/process.ts';
import { apiAvailabilityProbe } from '../src/probes/api.ts';
import { nodeProbe, podProbe } from '../src/probes/cluster.ts';
import { deployWorkload, removeWorkload, WORKLOAD_SELECTOR } from '../src/probes/workload.ts';
import { DRILL_NAMESPACE } from '../src/probes/writes.ts';
import {
  faultSpanMs,
  type Scenario,
  type ScenarioContext,
  type ScenarioOptions,
  tolerationSecondsOf,
} from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import type { TimingInputs } from '../src/targets/defaults.ts';
import { hostsWithRole, type TargetHost } from '../src/targets/types.ts';
import { eventsOf } from '../src/timeline/events.ts';
import { TargetError, UserError } from '../src/util/errors.ts';

const VARIANTS = ['kubelet', 'host'] as const;
/**
 * The latest a node turns NotReady after its kubelet stops, s: grace + 2 × monitor period + lease
 * renew (the NotReady window's end, src/analysis/windows/node.ts, plus the renew the last heartbeat
 * may be late by), with upstream's defaults (50, 5, 10) where the cluster's are not known.
 */
export const notReadyBoundS = (t: TimingInputs): number =>
  (t.nodeMonitorGracePeriodS ?? 50) + 2 * (t.nodeMonitorPeriodS ?? 5) + (t.nodeLeaseRenewIntervalS ?? 10);

/** Longest observation: 30 min, whatever the toleration (a drill that long is a config mistake). */
const MAX_OBSERVE_MS = 30 * 60_000;

export function kubeletVariant(o: ScenarioOptions): (typeof VARIANTS)[number] {
  const v = o.variant ?? 'kubelet';
  if (!(VARIANTS as readonly string[]).includes(v))
    throw new UserError(`kubelet-stop --variant must be one of ${VARIANTS.join(', ')} (got '${v}')`);
  return v as (typeof VARIANTS)[number];
}

export function pickWorker(
  ctx: Pick<ScenarioContext, 'target' | 'options'>,
): TargetHost & { nodeName: string } {
  const workers = hostsWithRole(ctx.target.topology, 'worker').filter((h) => h.nodeName);
  if (workers.length === 0)
    throw new UserError(`target ${ctx.target.topology.name} has no worker node to stop`);
  const host = ctx.options.host;
  const w = host ? workers.find((h) => h.name === host || h.nodeName === host) : workers[0];
  if (!w)
    throw new UserError(
      `--host ${host} is not a worker: choose one of ${workers.map((h) => h.name).join(', ')}`,
    );
  return w as TargetHost & { nodeName: string };
}

/** Timings with the workload's tolerationSeconds, for the expected eviction window. */
const withToleration = (ctx: ScenarioContext): TimingInputs => ({
  ...ctx.timings,
  tolerationSeconds: tolerationSecondsOf(ctx.options),
});

export const kubeletStop: Scenario = {
  name: 'kubelet-stop',
  description:
    "stop one worker's kubelet (--variant host: the whole node); measure NotReady, eviction after tolerationSeconds, replacement",
  defaultSlos: sloDefaults([
    // NotReady no later than grace + monitor period + lease renew interval.
    ['node_notready_s', '<=', 'expected'],
    ['pod_eviction_s', '<', 360],
    ['pods_replaced_s', '<', 420],
  ]),
  destructive:
    "stops one worker's kubelet (or takes the node off the network): after tolerationSeconds every pod on that node is evicted and rescheduled elsewhere",
  async fault(ctx) {
    const w = pickWorker(ctx);
    return kubeletVariant(ctx.options) === 'host'
      ? // Over ssh the node's own timer restores the link: keep it off until eviction is measured.
        linkDownFault({
          host: w.name,
          ip: w.address,
          downForS: linkDownForS(faultSpanMs(kubeletStop, ctx)),
        })
      : processFault({
          host: w.name,
          component: 'kubelet',
          signal: ctx.options.signal ?? 'KILL',
          node: w.nodeName,
          ip: w.address,
        });
  },
  async setup(ctx) {
    const workers = hostsWithRole(ctx.target.topology, 'worker').filter((h) => h.nodeName);
    const victim = pickWorker(ctx);
    const placement = await deployWorkload(ctx.kube, ctx.target.topology.apiUrl, {
      replicas: workers.length,
      tolerationSeconds: tolerationSecondsOf(ctx.options),
    });
    const onVictim = [...placement].filter(([, node]) => node === victim.nodeName).map(([p]) => p);
    ctx.sink.note(`drill workload: ${[...placement].map(([p, n]) => `${p}@${n}`).join(', ')}`, {
      placement: Object.fromEntries(placement),
    });
    if (onVictim.length === 0)
      throw new TargetError(
        `no drill pod runs on ${victim.nodeName} (placement: ${[...placement.values()].join(', ')}): nothing to evict`,
      );
  },
  async teardown(ctx) {
    await removeWorkload(ctx.kube, ctx.target.topology.apiUrl);
  },
  probes: () => [
    apiAvailabilityProbe({ connection: 'new' }),
    nodeProbe(),
    podProbe(DRILL_NAMESPACE, WORKLOAD_SELECTOR),
  ],
  recovered(events, at, ctx) {
    const node = pickWorker(ctx).nodeName;
    const done = (o: { value: number | null; lowerBound?: boolean }) => o.value !== null && !o.lowerBound;
    // Eviction and replacement need NotReady first; checking in that order keeps the polling cheap.
    return (
      eventsOf(events, 'node').some((e) => e.atMs >= at && e.name === node && e.ready !== 'True') &&
      done(nodeNotReady(events, at, node)) &&
      done(podEviction(events, at, node)) &&
      done(podsReplaced(events, at, node))
    );
  },
  // The stopped kubelet's scrape fails (refused; a timeout with the link down): kube-prometheus'
  // TargetDown for the kubelet job. The mixin's KubeletDown needs every kubelet down.
  alerts: () => ({
    expected: [{ alert: 'TargetDown', labels: { job: 'kubelet' }, clearS: { min: 0, max: 30 } }],
  }),
  // The NotReady bound + toleration (the eviction bound), + 60 s for the replacement to be
  // scheduled and started; capped at 30 min.
  observeMs: (t, o) => Math.min(MAX_OBSERVE_MS, 1000 * (notReadyBoundS(t) + tolerationSecondsOf(o) + 60)),
  analysis: (ctx) => ({ timings: withToleration(ctx), target: { node: pickWorker(ctx).nodeName } }),
};
