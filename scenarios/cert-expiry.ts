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
 *  - `kubelet-client`: the kubelet's rotated client certificate (kubelet-client-current.pem,
 *    which kubelet.conf names) on a node, a control plane (default) or a worker (`--host`); the
 *    certificate is signed on a control plane (the cluster CA's key is there), from a request the
 *    node makes, so the node's key never leaves it. The restarted kubelet finds it expired and,
 *    with kubeadm's bootstrap kubeconfig gone, exits at start, again after every restart
 *    (src/faults/kubelet-cert-expiry.ts): the node's heartbeats stop and it turns NotReady after
 *    the grace period (node_notready_s, kubelet-stop's window), while what runs there keeps
 *    running (a control plane's static pods: the API through the LB must not notice,
 *    api_error_ratio 0 from the fault on, no outage). The drill heals once NotReady is measured,
 *    before the taint-based eviction of the node's pods (tolerationSeconds later).
 *
 * Measured over the degraded window (the fault in place for the HA design's time to react — the
 * longest election and the LB's longest detection — then max(5 s, one LB detection)):
 * api_error_ratio (failed ÷ all requests through the LB once that time passed; SLO 0: HA should
 * hide one broken control plane by then),
 * api_outage_s, RPO, and informational api_disruption_s, apiserver_unready_s, etcd_leader_changes,
 * lease_holder_changes, readyz_flaps.
 */
import { nodeNotReady } from '../src/analysis/nodes.ts';
import { certExpiryFault } from '../src/faults/cert-expiry.ts';
import { kubeletCertExpiryFault } from '../src/faults/kubelet-cert-expiry.ts';
import { apiAvailabilityProbe, readyzProbe } from '../src/probes/api.ts';
import { leaseProbe, nodeProbe } from '../src/probes/cluster.ts';
import { etcdProbe } from '../src/probes/etcd.ts';
import { writeProbe } from '../src/probes/writes.ts';
import type { Scenario, ScenarioOptions } from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import type { MeasurementName } from '../src/slo/types.ts';
import type { TimingInputs } from '../src/targets/defaults.ts';
import type { ExpirableCert } from '../src/targets/kubeadm-cert-expiry.ts';
import { hostsWithRole, type TargetHost, type Topology } from '../src/targets/types.ts';
import { TargetError, UserError } from '../src/util/errors.ts';
import { degradedFor } from './etcd-disk-latency.ts';
import { electionMaxMs, lbDropMs } from './etcd-partition.ts';
import { notReadyBoundS } from './kubelet-stop.ts';
import { pickApiserver } from './pick.ts';

/** The served certificates (src/faults/cert-expiry.ts), and the kubelet's client certificate. */
const VARIANTS = ['apiserver', 'etcd-peer', 'kubelet-client'] as const satisfies readonly (
  | ExpirableCert
  | 'kubelet-client'
)[];
type CertVariant = (typeof VARIANTS)[number];

export function certVariant(o: ScenarioOptions): CertVariant {
  const v = o.variant ?? 'apiserver';
  if (!(VARIANTS as readonly string[]).includes(v))
    throw new UserError(`cert-expiry --variant must be one of ${VARIANTS.join(', ')} (got '${v}')`);
  return v as CertVariant;
}

/**
 * kubelet-client: the node aimed at (`--host`, else the first control plane; a worker as well) and
 * the control plane that signs its certificate (itself, else the first: only control planes have
 * the cluster CA's key).
 */
export function kubeletCertAim(
  t: Topology,
  host: string | undefined,
): { readonly node: TargetHost & { nodeName: string }; readonly signer: string } {
  const cps = hostsWithRole(t, 'control-plane').filter((h) => h.nodeName);
  const nodes = t.hosts.filter((h) => h.nodeName);
  if (cps.length === 0)
    throw new UserError(`target ${t.name} has no control-plane node to sign a kubelet certificate on`);
  const h = host ? nodes.find((c) => c.name === host || c.nodeName === host) : cps[0];
  if (!h)
    throw new UserError(
      `--host ${host} is not a Kubernetes node (no kubelet): choose one of ${nodes.map((c) => c.name).join(', ')}`,
    );
  const signer = cps.some((c) => c.name === h.name) ? h.name : cps[0]!.name;
  return { node: h as TargetHost & { nodeName: string }, signer };
}

/** The control plane aimed at: `--host`, else the first; for etcd-peer it must run a member. */
export function certHost(t: Topology, o: ScenarioOptions): string {
  const variant = certVariant(o);
  if (variant === 'apiserver') return pickApiserver(t, o.host).host;
  if (variant === 'kubelet-client') return kubeletCertAim(t, o.host).node.name;
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
/** How long the kubelet restarted onto its expired certificate must stay down for the proof, s. */
const KUBELET_PROVE_S = 5;

/** kubelet-client: observe until NotReady, at most kubelet-stop's NotReady bound + 15 s. */
const notReadyObserveMs = (t: TimingInputs): number => 1000 * (notReadyBoundS(t) + 15);

const isKubeletClient = (o: ScenarioOptions): boolean => certVariant(o) === 'kubelet-client';

const INFORMATIONAL = [
  'api_disruption_s',
  'apiserver_unready_s',
  'etcd_leader_changes',
  'lease_holder_changes',
  'readyz_flaps',
] as const satisfies readonly MeasurementName[];

export const certExpiry: Scenario = {
  name: 'cert-expiry',
  description:
    "expire one control plane's apiserver serving cert (--variant etcd-peer: its etcd peer cert; kubelet-client: a node's kubelet client cert), restart it; measure failed requests, outage, NotReady, renewal",
  defaultSlos: sloDefaults([
    ['api_error_ratio', '<=', 0],
    ['api_outage_s', '<', 30],
    ['rpo_lost_writes', '<=', 0],
  ]),
  informational: [...INFORMATIONAL, 'node_notready_s'],
  async fault(ctx) {
    const t = ctx.target.topology;
    const cert = certVariant(ctx.options);
    if (cert === 'kubelet-client') {
      const { node: h, signer } = kubeletCertAim(t, ctx.options.host);
      return kubeletCertExpiryFault({
        host: h.name,
        node: h.nodeName,
        signer,
        proveS: KUBELET_PROVE_S,
        healthyWaitS: SERVE_WAIT_S,
      });
    }
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
    // Where the CA's key may be when the host has none: the hosts that hold the same CA's
    // certificates (kubeadm's HA etcd guide keeps etcd/ca.key on its first etcd host only).
    const peers = cert === 'apiserver' ? t.apiservers.map((a) => a.host) : t.etcd.map((e) => e.host);
    const signers = [...new Set(peers)].filter((h) => h !== host);
    return certExpiryFault({
      host,
      cert,
      address,
      port,
      serveWaitS: SERVE_WAIT_S,
      signers,
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
    ...(isKubeletClient(ctx.options) ? [nodeProbe()] : []),
  ],
  // Degraded for its whole window, whatever the LB does: the expired certificate stays in service
  // until the heal renews it (an operator's reaction), and what the clients saw meanwhile is the
  // measurement.
  // kubelet-client: until the node is NotReady (nothing recovers before the heal).
  recovered: (events, at, ctx) => {
    if (!isKubeletClient(ctx.options)) return degradedFor(events, at, certDegradedMs(ctx.timings));
    const node = kubeletCertAim(ctx.target.topology, ctx.options.host).node.nodeName;
    return nodeNotReady(events, at, node).value !== null;
  },
  observeMs: (t, o) => (isKubeletClient(o) ? notReadyObserveMs(t) : certDegradedMs(t) + 15_000),
  // apiserver: Prometheus scrapes each apiserver over TLS verified against the cluster CA (the
  // lab's; kube-prometheus' apiserver ServiceMonitor: caFile + serverName kubernetes), so the
  // scrape of the expired one fails and its APIServerDown fires — no rule watches a serving
  // certificate's expiry itself (kube-prometheus' certificate alerts are about client
  // certificates); a scrape configured with insecureSkipVerify sees nothing, and the drill says
  // the alert was missed. etcd-peer: the cut member has no leader (etcd-partition's alerts).
  // kubelet-client: the API has nothing to hide (its static pods keep running): every failed
  // request counts, from the fault on; the node's NotReady is measured against its window.
  analysis: (ctx) =>
    isKubeletClient(ctx.options)
      ? {
          errorRatioGraceMs: 0,
          // Its apiserver never depends on the kubelet: readyz_flaps says it stayed ready.
          informational: [...INFORMATIONAL.filter((m) => m !== 'apiserver_unready_s'), 'node_notready_s'],
        }
      : { errorRatioGraceMs: errorGraceMs(ctx.timings), informational: INFORMATIONAL },
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
    // kubelet-client: the kubelet is down, so its scrape fails (kubelet-stop's alert); the
    // mixin's KubeletDown needs every kubelet down, and nothing of the control plane may notice.
    if (isKubeletClient(ctx.options))
      return { expected: [{ alert: 'TargetDown', labels: { job: 'kubelet' }, clearS: { min: 0, max: 30 } }] };
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
