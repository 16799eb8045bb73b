/**
 * cert-expiry: the seeds' forgotten certificate renewal ("makes the whole control plane
 * unavailable"), one certificate at a time. A control plane's certificate is replaced by one the
 * same CA signed that expired yesterday (same key, subject, SANs and usages), and the component is
 * restarted onto it (src/faults/cert-expiry.ts, src/targets/kubeadm-cert-expiry.ts); the heal
 * renews it (kubeadm certs renew where kubeadm is, else the node's CA: the lab) and restarts it.
 * `--host` chooses the control plane (default the first).
 *
 * Variants:
 *  - `apiserver` (default): kube-apiserver's serving certificate. The LB passes TLS through, so
 *    every client the LB sends to that apiserver refuses its certificate, for as long as the LB
 *    keeps it in rotation: a health check that does not verify the certificate (the kubeadm HA
 *    guide's `ssl-hello-chk`, or `check-ssl verify none`) keeps it there for good, about one new
 *    connection in n fails (api_error_ratio, whose detail names the certificate errors); an LB
 *    whose check verifies it against the cluster CA drops it after its detection window. Its
 *    local controller-manager and scheduler (kubeconfig to the local apiserver) refuse it too:
 *    a leader there loses its Lease (lease_holder_changes).
 *  - `etcd-peer`: the member's peer certificate (server and client of its peer traffic). Its peers
 *    refuse it both ways, so the member is cut off as by a partition of its peer port, while its
 *    client port keeps serving its stacked apiserver: the member has no leader (etcdNoLeader,
 *    EtcdClusterUnavailable on it, the windows of etcd-partition), its apiserver's /readyz fails
 *    (the etcd check reads linearizably) and the LB drops it (apiserver_unready_s); a leader there
 *    is replaced (etcd_leader_changes). The API stays available with two members.
 *
 * Measured over the degraded window (the fault in place for the HA design's time to react — the
 * longest election and the LB's longest detection — then max(5 s, one LB detection)):
 * api_error_ratio (failed ÷ all requests through the LB once that time passed; SLO 0: HA should
 * hide one broken control plane by then),
 * api_outage_s, RPO, and informational api_disruption_s, apiserver_unready_s, etcd_leader_changes,
 * lease_holder_changes, readyz_flaps.
 */
import { certExpiryFault } from '../src/faults/cert-expiry.ts';
import { apiAvailabilityProbe, readyzProbe } from '../src/probes/api.ts';
import { leaseProbe } from '../src/probes/cluster.ts';
import { etcdProbe } from '../src/probes/etcd.ts';
import { writeProbe } from '../src/probes/writes.ts';
import type { Scenario, ScenarioOptions } from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import type { TimingInputs } from '../src/targets/defaults.ts';
import type { ExpirableCert } from '../src/targets/kubeadm-cert-expiry.ts';
import type { Topology } from '../src/targets/types.ts';
import { TargetError, UserError } from '../src/util/errors.ts';
import { degradedFor } from './etcd-disk-latency.ts';
import { electionMaxMs, lbDropMs } from './etcd-partition.ts';
import { pickApiserver } from './pick.ts';

const VARIANTS = ['apiserver', 'etcd-peer'] as const satisfies readonly ExpirableCert[];

export function certVariant(o: ScenarioOptions): ExpirableCert {
  const v = o.variant ?? 'apiserver';
  if (!(VARIANTS as readonly string[]).includes(v))
    throw new UserError(`cert-expiry --variant must be one of ${VARIANTS.join(', ')} (got '${v}')`);
  return v as ExpirableCert;
}

/** The control plane aimed at: `--host`, else the first; for etcd-peer it must run a member. */
export function certHost(t: Topology, o: ScenarioOptions): string {
  const variant = certVariant(o);
  if (variant === 'apiserver') return pickApiserver(t, o.host).host;
  const m = o.host ? t.etcd.find((e) => e.host === o.host) : t.etcd[0];
  if (!m)
    throw new UserError(
      o.host
        ? `--host ${o.host} runs no etcd member: choose one of ${t.etcd.map((e) => e.host).join(', ')}`
        : `target ${t.name} has no etcd member`,
    );
  return m.host;
}

/**
 * The HA design's time to take the broken control plane out of rotation, ms: the cut member's
 * longest election (it loses its leader; its apiserver's /readyz then fails) and the LB's longest
 * detection (etcd-partition's windows). api_error_ratio counts from there: what still fails then,
 * the HA design did not hide. For the apiserver variant it is what an LB whose check verifies
 * the certificate would need.
 */
export const errorGraceMs = (t: TimingInputs): number => electionMaxMs(t) + lbDropMs(t);

/** How long the expired certificate stays in service: the grace, then max(5 s, an LB detection) counted. */
export const certDegradedMs = (t: TimingInputs): number => errorGraceMs(t) + Math.max(5000, lbDropMs(t));

/** The time a restarted component may take to present its certificate, s. */
const SERVE_WAIT_S = 60;

export const certExpiry: Scenario = {
  name: 'cert-expiry',
  description:
    "expire one control plane's apiserver serving cert (--variant etcd-peer: its etcd peer cert), restart it; measure failed requests, outage, renewal",
  defaultSlos: sloDefaults([
    ['api_error_ratio', '<=', 0],
    ['api_outage_s', '<', 30],
    ['rpo_lost_writes', '<=', 0],
  ]),
  informational: [
    'api_disruption_s',
    'apiserver_unready_s',
    'etcd_leader_changes',
    'lease_holder_changes',
    'readyz_flaps',
  ],
  async fault(ctx) {
    const t = ctx.target.topology;
    const cert = certVariant(ctx.options);
    const host = certHost(t, ctx.options);
    const api = t.apiservers.find((a) => a.host === host);
    const member = t.etcd.find((e) => e.host === host);
    // Where the component presents the certificate: the apiserver's URL (certHost checked it
    // runs there), the member's peer URL.
    const url = cert === 'apiserver' ? api?.url : member?.peerUrl;
    if (!url)
      throw new TargetError(
        `the peer URL of the etcd member on ${host} is not known for target ${t.name}: it is read from the member's manifest (--initial-advertise-peer-urls)`,
      );
    const u = new URL(url);
    const address = u.hostname;
    const port = Number(u.port || (cert === 'apiserver' ? 443 : 2380));
    return certExpiryFault({
      host,
      cert,
      address,
      port,
      serveWaitS: SERVE_WAIT_S,
      ...(api ? { ip: api.ip } : {}),
      ...(member ? { member: member.member } : {}),
    });
  },
  probes: (ctx) => [
    apiAvailabilityProbe({ connection: 'new' }),
    apiAvailabilityProbe({ connection: 'keepalive' }),
    readyzProbe(),
    etcdProbe(),
    leaseProbe(),
    writeProbe(ctx.runId),
  ],
  // Degraded for its whole window, whatever the LB does: the expired certificate stays in service
  // until the heal renews it (an operator's reaction), and what the clients saw meanwhile is the
  // measurement.
  recovered: (events, at, ctx) => degradedFor(events, at, certDegradedMs(ctx.timings)),
  observeMs: (t) => certDegradedMs(t) + 15_000,
  // apiserver: Prometheus scrapes each apiserver over TLS verified against the cluster CA (the
  // lab's; kube-prometheus' apiserver ServiceMonitor: caFile + serverName kubernetes), so the
  // scrape of the expired one fails and its APIServerDown fires — no rule watches a serving
  // certificate's expiry itself (kube-prometheus' certificate alerts are about client
  // certificates); a scrape configured with insecureSkipVerify sees nothing, and the drill says
  // the alert was missed. etcd-peer: the cut member has no leader (etcd-partition's alerts).
  analysis: (ctx) => ({ errorRatioGraceMs: errorGraceMs(ctx.timings) }),
  alerts: (ctx) => {
    const allowed = [
      'TargetDown',
      'APIServerDown',
      'HAProxyServerDown',
      'KubeControllerManagerDown',
      'KubeSchedulerDown',
      'etcdMembersDown',
      'etcdHighNumberOfLeaderChanges',
      'etcdMemberCommunicationSlow',
    ];
    // The cut member's apiserver: its requests to its member fail or wait (etcd-peer).
    const cutApiserver = ['APIServerErrorsHigh', 'APIServerLatencyHigh'];
    if (certVariant(ctx.options) === 'apiserver') {
      const url = new URL(pickApiserver(ctx.target.topology, certHost(ctx.target.topology, ctx.options)).url);
      return {
        // Clears once the renewed certificate is served and scraped: a restart, then a scrape.
        expected: [{ alert: 'APIServerDown', labels: { instance: url.host }, clearS: { min: 0, max: 30 } }],
        allowed: allowed.filter((a) => a !== 'APIServerDown'),
      };
    }
    const e = electionMaxMs(ctx.timings) / 1000;
    // From the restart's return: the new process never has a leader (min 0), and its first
    // scrape after it listens shows it within its election timeouts.
    const noLeader = { conditionS: { min: 0, max: e }, clearS: { min: 0, max: e } };
    return {
      expected: [
        { alert: 'EtcdClusterUnavailable', ...noLeader },
        { alert: 'etcdNoLeader', ...noLeader },
      ],
      allowed: [...allowed, ...cutApiserver],
    };
  },
};
