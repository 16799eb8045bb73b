/**
 * rolling-restart: the maintenance / upgrade path. On each control plane in turn, kube-apiserver,
 * kube-controller-manager, kube-scheduler, then its etcd member are restarted gracefully (kubeadm:
 * the static-pod manifest cycle), each answering ready before the next, as "upgrade the first
 * master, verify, then the others" (seeds) and `kubeadm upgrade` do (src/faults/rolling-restart.ts).
 * The probes go through the LB on new and kept-alive connections; the write probe keeps writing.
 *
 * Expected: no failed request and no lost write. The apiserver's part of the disruption follows
 * from its configuration: on SIGTERM its /readyz fails at once while it keeps serving for
 * `--shutdown-delay-duration`, then it closes its listener (staging/src/k8s.io/apiserver/pkg/
 * server/options/server_run_options.go; genericapiserver.go `RunWithContext`: ShutdownDelayDuration
 * runs before the listener stops). An LB checking /readyz drops it after inter + (fall − 1) ×
 * fastinter (the failing check answers at once); if the listener closes before that, new
 * connections the LB still sends there fail: up to detection − delay per apiserver. With a delay
 * at least the detection, none. A shorter delay is a finding, with that window. An LB that checks
 * /healthz (the kubeadm HA guide's haproxy.cfg) sees nothing until the listener closes: /healthz
 * answers OK during the delay, so the delay does not drain it. The window is a bound: haproxy with
 * the guide's `option redispatch` and `retries 1` sends a connection refused by a closed listener
 * to another server (doc/configuration.txt, `option redispatch`), so new connections often see
 * nothing (the lab, seeds preset, delay 0: 0 s of the 12 s the window allows); a request in
 * flight or on a kept-alive connection when the listener closes still fails.
 *
 * Measures api_disruption_s (total: no failed request expected; per control plane and per restart
 * in its detail), apiserver_restart_disruption_s (on new connections, what began while an
 * apiserver restarted, against the window above; a kept-alive connection, pinned to its apiserver
 * by the TCP LB, breaks when that apiserver closes it after the delay, whatever the delay:
 * src/analysis/disruption.ts), RPO, etcd leader changes and leader Lease moves (informational).
 *
 * Stacked etcd: kubeadm's apiserver talks to its local member only (`--etcd-servers=
 * https://127.0.0.1:2379`: cmd/kubeadm/app/phases/controlplane/manifests.go, getAPIServerCommand),
 * so while that member restarts the apiserver fails every request that needs etcd, until the
 * member is back or the LB drops the apiserver: its /readyz `etcd-readiness` check fails once
 * the member is gone (staging/src/k8s.io/apiserver/pkg/server/options/etcd.go,
 * addEtcdHealthEndpoint; within the readiness timeout), and the LB acts on it after inter +
 * (fall − 1) × fastinter. Measured as etcd_restart_disruption_s (new connections, what began
 * while a member restarted) against n members × (that detection + the check's timeout); no
 * shutdown delay drains it (the apiserver is not shutting down),
 * so on this topology api_disruption_s ≤ 0 fails unless every member is back before a request
 * reaches its apiserver: a finding says so and what avoids it.
 */
import type { Finding, WindowSpec } from '../src/analysis/types.ts';
import { type RestartTarget, rollingRestartFault } from '../src/faults/rolling-restart.ts';
import { apiAvailabilityProbe, readyzProbe } from '../src/probes/api.ts';
import { leaseProbe } from '../src/probes/cluster.ts';
import { etcdProbe } from '../src/probes/etcd.ts';
import { writeProbe } from '../src/probes/writes.ts';
import { type Scenario, UNTIL_API_STEADY } from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import type { TimingInputs } from '../src/targets/defaults.ts';
import { type Component, externalEtcdHosts, hostsWithRole, type Topology } from '../src/targets/types.ts';

/** How long each component may take to answer ready after its restart, s. */
export const READY_WAIT_S = 60;

export interface RestartPlan {
  /** The control planes, in order. */
  readonly controlPlanes: string[];
  /** Every restart, in order: each control plane's components (its etcd member last, stacked), then each external etcd host's member. */
  readonly steps: RestartTarget[];
  /** etcd members on control planes (stacked: each restart fails its apiserver's requests). */
  readonly stackedMembers: number;
  /** etcd hosts apart from the control planes (external: restarted after them, one at a time). */
  readonly externalMembers: string[];
}

/**
 * The control planes in order with what restarts on each (etcd where a member runs), then the
 * etcd hosts that are not control planes, as an upgrade of an external etcd cluster goes member
 * by member (etcd's upgrade guides: one member at a time, each healthy before the next).
 */
export function restartPlan(t: Topology): RestartPlan {
  const controlPlanes = hostsWithRole(t, 'control-plane').map((h) => h.name);
  const stacked = controlPlanes.filter((h) => t.etcd.some((e) => e.host === h));
  const external = externalEtcdHosts(t);
  const cpComponents = (h: string): Component[] => [
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
    ...(stacked.includes(h) ? (['etcd'] as const) : []),
  ];
  return {
    controlPlanes,
    steps: [
      ...controlPlanes.flatMap((host) => cpComponents(host).map((component) => ({ host, component }))),
      ...external.map((host) => ({ host, component: 'etcd' as const })),
    ],
    stackedMembers: stacked.length,
    externalMembers: external,
  };
}

/**
 * The LB's time to drop an apiserver whose /readyz fails (a check that answers at once): inter +
 * (fall − 1) × fastinter (src/analysis/windows/lb.ts for the scheduling); undefined without them.
 */
export function readyzDetectionS(t: TimingInputs): number | undefined {
  if (t.checkInterMs === undefined || t.fall === undefined) return undefined;
  return (t.checkInterMs + (t.fall - 1) * (t.checkFastinterMs ?? t.checkInterMs)) / 1000;
}

/** api_disruption_s's window: n apiserver restarts × max(0, detection − shutdown delay). */
export function disruptionWindow(t: TimingInputs, apiservers: number): WindowSpec | undefined {
  const detect = readyzDetectionS(t);
  if (detect === undefined || t.shutdownDelayS === undefined) return undefined;
  const each = Math.max(0, detect - t.shutdownDelayS);
  return {
    min: 0,
    max: Math.round(apiservers * each * 1000) / 1000,
    formula: `${apiservers} apiserver restarts × max(0, LB /readyz detection ${detect} (inter + (fall − 1) × fastinter) − shutdown delay ${t.shutdownDelayS})`,
  };
}

/** The finding when the shutdown delay is shorter than the LB's detection. */
export function shutdownDelayFinding(t: TimingInputs, apiservers: number): Finding | undefined {
  const detect = readyzDetectionS(t);
  if (detect === undefined || t.shutdownDelayS === undefined || t.shutdownDelayS >= detect) return undefined;
  const w = disruptionWindow(t, apiservers)!;
  return {
    id: 'shutdown-delay-short',
    severity: 'warning',
    message: `kube-apiserver --shutdown-delay-duration ${t.shutdownDelayS} s is shorter than the LB's detection of a failing /readyz (${detect} s): each apiserver restart can fail requests through the LB for up to ${Math.round((detect - t.shutdownDelayS) * 1000) / 1000} s (expected apiserver_restart_disruption_s [0, ${w.max}]). Set it to at least ${detect} s, and have the LB check /readyz (it fails during the delay; /healthz does not).`,
  };
}

/**
 * The apiserver's etcd readiness check gives up after this long (`--etcd-readycheck-timeout`,
 * default 2 s: staging/src/k8s.io/apiserver/pkg/storage/storagebackend/config.go,
 * NewDefaultConfig's ReadycheckTimeout = DefaultReadinessTimeout), s.
 */
export const ETCD_READYCHECK_TIMEOUT_S = 2;

/**
 * etcd_restart_disruption_s's window: n stacked member restarts × (the LB's /readyz detection +
 * the first failing check's own wait for the member, at most the readiness timeout or the LB's
 * check timeout, whichever is shorter). With external members only (`external` > 0, no stacked
 * one): nothing, since every apiserver has all members in --etcd-servers and its client sends
 * each request to a member it is connected to (etcd's clientv3 over gRPC's round_robin: etcd-io/etcd
 * client/v3/client.go; grpc-go balancer/roundrobin picks among READY connections only), and a
 * member stopping gracefully closes its connections first.
 */
export function stackedEtcdWindow(t: TimingInputs, members: number, external = 0): WindowSpec | undefined {
  if (members === 0 && external > 0)
    return {
      min: 0,
      max: 0,
      formula: `${external} external etcd member restarts, each apiserver's client balancing over the members it is connected to (round_robin over READY connections): none`,
    };
  const detect = readyzDetectionS(t);
  if (detect === undefined) return undefined;
  const wait = Math.min(ETCD_READYCHECK_TIMEOUT_S, (t.checkTimeoutMs ?? Number.POSITIVE_INFINITY) / 1000);
  const each = Math.round((detect + wait) * 1000) / 1000;
  return {
    min: 0,
    max: Math.round(members * each * 1000) / 1000,
    formula: `${members} stacked etcd member restarts × (LB /readyz detection ${detect} (inter + (fall − 1) × fastinter) + the etcd readiness check's wait ${wait})`,
  };
}

/** The finding of a plan that restarts stacked etcd members: each one disrupts its apiserver. */
export function stackedEtcdFinding(t: TimingInputs, members: number): Finding {
  const w = stackedEtcdWindow(t, members);
  const bound = w
    ? `up to ${Math.round((w.max / members) * 1000) / 1000} s per restart (expected etcd_restart_disruption_s [0, ${w.max}])`
    : 'for as long as the LB takes to drop it (its check timings are unknown)';
  return {
    id: 'stacked-etcd-restart',
    severity: 'warning',
    message: `stacked etcd: each kube-apiserver talks to its local member only (kubeadm's --etcd-servers=https://127.0.0.1:2379), so each member restart fails that apiserver's requests through the LB until the member is back or the LB drops the apiserver on its failing /readyz: ${bound}. No shutdown delay drains it, and api_disruption_s ≤ 0 fails unless the member is back before a request reaches that apiserver. Drain the control plane from the LB before restarting its member (haproxy: \`set server <backend>/<server> state drain\` on the runtime API, \`ready\` after), or run etcd apart from the control planes.`,
  };
}

export const rollingRestart: Scenario = {
  name: 'rolling-restart',
  description:
    'restart apiserver, controller-manager, scheduler and etcd on each control plane in turn; measure API disruption and lost writes',
  defaultSlos: sloDefaults([
    ['api_disruption_s', '<=', 0],
    ['apiserver_restart_disruption_s', '<=', 'expected'],
    ['etcd_restart_disruption_s', '<=', 'expected'],
    ['rpo_lost_writes', '<=', 0],
  ]),
  informational: ['etcd_leader_changes', 'lease_holder_changes', 'write_latency_p99_s'],
  async fault(ctx) {
    const plan = restartPlan(ctx.target.topology);
    return rollingRestartFault({ steps: plan.steps, readyWaitS: READY_WAIT_S });
  },
  probes: (ctx) => [
    apiAvailabilityProbe({ connection: 'new' }),
    apiAvailabilityProbe({ connection: 'keepalive' }),
    readyzProbe(),
    etcdProbe(),
    leaseProbe(),
    writeProbe(ctx.runId),
  ],
  // The restarts all happen inside the inject; then the API must answer steadily.
  ...UNTIL_API_STEADY,
  // A component restarted for longer than a rule's `for` (the fast lab caps it at 3 s) fires its
  // down alert; none is expected to, each is allowed. A lost etcd quorum or leader is not.
  alerts: () => ({
    expected: [],
    allowed: [
      'APIServerDown',
      'TargetDown',
      'HAProxyServerDown',
      'KubeControllerManagerDown',
      'KubeSchedulerDown',
      'etcdMembersDown',
      'etcdHighNumberOfLeaderChanges',
    ],
  }),
  analysis(ctx) {
    const plan = restartPlan(ctx.target.topology);
    const n = plan.controlPlanes.length;
    const members = plan.stackedMembers;
    const findings = [
      shutdownDelayFinding(ctx.timings, n),
      members > 0 ? stackedEtcdFinding(ctx.timings, members) : undefined,
    ].filter((f): f is Finding => f !== undefined);
    return {
      windows: {
        apiserver_restart_disruption_s: (t) => disruptionWindow(t, n),
        etcd_restart_disruption_s: (t) => stackedEtcdWindow(t, members, plan.externalMembers.length),
      },
      ...(findings.length > 0 ? { findings } : {}),
    };
  },
};
