/**
 * leader-kill: kill the current holder of the `kube-system/kube-controller-manager` Lease
 * (variant `scheduler`: the `kube-scheduler` Lease; `--signal TERM` for a graceful stop). The
 * holder is read from the Lease (`holderIdentity` = `<hostname>_<uuid>`). Measures
 * lease_reelection_s and the leaseTransitions increment (lease probe), and that the controllers
 * resume: the drill workload is deployed first and, once the Lease shows no live leader, scaled by
 * one; the new pod must be created (ReplicaSet controller) and scheduled (kube-scheduler).
 *
 * Expected re-election (src/analysis/expected.ts): hard kill ∈ [lease − retry, lease + retry × 1.2],
 * graceful release ∈ [0, retry × 1.2].
 */
import { processFault } from '../src/faults/process.ts';
import { runAction } from '../src/faults/types.ts';
import { apiAvailabilityProbe } from '../src/probes/api.ts';
import { leaseProbe, podProbe } from '../src/probes/cluster.ts';
import {
  controllersResumeProbe,
  deployWorkload,
  RESUMED_NOTE,
  removeWorkload,
  WORKLOAD_SELECTOR,
} from '../src/probes/workload.ts';
import { DRILL_NAMESPACE } from '../src/probes/writes.ts';
import { leaseHolderChanged } from '../src/runner/recovery.ts';
import {
  type Scenario,
  type ScenarioContext,
  type ScenarioOptions,
  tolerationSecondsOf,
} from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import { type Component, hostsWithRole } from '../src/targets/types.ts';
import { eventsOf } from '../src/timeline/events.ts';
import { TargetError, UserError } from '../src/util/errors.ts';
import { leaseHolder } from './pick.ts';

const VARIANTS = {
  'controller-manager': 'kube-controller-manager',
  scheduler: 'kube-scheduler',
} as const satisfies Record<string, Component>;

export function leaderComponent(o: ScenarioOptions): (typeof VARIANTS)[keyof typeof VARIANTS] {
  const v = o.variant ?? 'controller-manager';
  if (!(v in VARIANTS)) {
    throw new UserError(
      `leader-kill --variant must be one of ${Object.keys(VARIANTS).join(', ')} (got '${v}')`,
    );
  }
  return VARIANTS[v as keyof typeof VARIANTS];
}

const leaseOf = (o: ScenarioOptions) => `kube-system/${leaderComponent(o)}`;
const workers = (ctx: ScenarioContext) => hostsWithRole(ctx.target.topology, 'worker').length;

export const leaderKill: Scenario = {
  name: 'leader-kill',
  description:
    'kill the kube-controller-manager (or --variant scheduler) Lease holder; measure re-election and controllers resuming',
  defaultSlos: sloDefaults([['lease_reelection_s', '<', 30]]),
  async fault(ctx) {
    const lease = leaseOf(ctx.options);
    const holder = await leaseHolder(ctx.kube, ctx.target.topology, lease);
    if (ctx.options.host && ctx.options.host !== holder.host.name) {
      throw new UserError(
        `--host ${ctx.options.host} does not hold ${lease} (${holder.identity} does): leader-kill always aims at the holder`,
      );
    }
    // Re-election needs a standby candidate. Upstream components exit when they lose their lease
    // (kubeadm's kubelet restarts the static pod); a target that does not restart them may have none.
    const component = leaderComponent(ctx.options);
    const standbys: string[] = [];
    for (const h of hostsWithRole(ctx.target.topology, 'control-plane')) {
      if (h.name === holder.host.name) continue;
      const r = await runAction(ctx.target, { kind: 'running', host: h.name, component });
      if (r.code === 0) standbys.push(h.name);
    }
    if (standbys.length === 0) {
      throw new TargetError(
        `no standby ${component} runs besides the holder on ${holder.host.name}: nothing could take the Lease over. ` +
          `Start it on another control plane first (lab: npm run lab -- start HOST ${component})`,
      );
    }
    ctx.sink.note(`${lease} held by ${holder.identity}; standby candidates on ${standbys.join(', ')}`, {
      identity: holder.identity,
      leaseTransitions: holder.transitions ?? null,
      standbys,
    });
    return processFault({
      host: holder.host.name,
      component: leaderComponent(ctx.options),
      signal: ctx.options.signal ?? 'KILL',
      lease,
    });
  },
  async setup(ctx) {
    const n = workers(ctx);
    if (n === 0)
      throw new UserError(`target ${ctx.target.topology.name} has no worker for the drill workload`);
    await deployWorkload(ctx.kube, ctx.target.topology.apiUrl, {
      replicas: n,
      tolerationSeconds: tolerationSecondsOf(ctx.options),
    });
  },
  async teardown(ctx) {
    await removeWorkload(ctx.kube, ctx.target.topology.apiUrl);
  },
  probes: (ctx) => [
    apiAvailabilityProbe({ connection: 'new' }),
    leaseProbe(),
    podProbe(DRILL_NAMESPACE, WORKLOAD_SELECTOR),
    controllersResumeProbe({
      lease: leaseOf(ctx.options),
      baseReplicas: workers(ctx),
      // The holder renews every retry period: two missed renewals (+1 s of slack) = no leader.
      staleMs: (2 * (ctx.timings.retryPeriodS ?? 2) + 1) * 1000,
    }),
  ],
  recovered(events, at, ctx) {
    const name = leaderComponent(ctx.options);
    return (
      leaseHolderChanged(events, at, name) &&
      eventsOf(events, 'note').some((e) => e.atMs >= at && e.message.startsWith(RESUMED_NOTE))
    );
  },
  // Re-election takes at most lease + retry × 1.2; then the new leader syncs and reconciles.
  // Allow twice that plus 20 s.
  // The killed instance's scrape fails: kube-prometheus' TargetDown for its job (the job names
  // are the component names). KubeControllerManagerDown / KubeSchedulerDown need every instance
  // down, so they must not fire.
  alerts: (ctx) => ({
    expected: [
      { alert: 'TargetDown', labels: { job: leaderComponent(ctx.options) }, clearS: { min: 0, max: 30 } },
    ],
  }),
  observeMs: (t) => 2 * 1000 * ((t.leaseDurationS ?? 15) + 1.2 * (t.retryPeriodS ?? 2)) + 20_000,
};
