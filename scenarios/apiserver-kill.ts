/**
 * apiserver-kill: stop one kube-apiserver (SIGKILL by default, `--signal TERM` for a graceful
 * stop; `--host` picks the control plane, default the first). Measures the API outage and
 * failover seen through the load balancer, the killed IP leaving the `kubernetes` Endpoints and
 * EndpointSlice, RTO, and RPO from the write probe; detection: APIServerDown for that instance.
 */
import { endpointRemovalWindow } from '../src/analysis/expected.ts';
import { processFault } from '../src/faults/process.ts';
import { apiAvailabilityProbe, readyzProbe } from '../src/probes/api.ts';
import { endpointsProbe } from '../src/probes/cluster.ts';
import { etcdProbe, vipProbe } from '../src/probes/etcd.ts';
import { writeProbe } from '../src/probes/writes.ts';
import { apiRecovered, ipLeftEndpoints } from '../src/runner/recovery.ts';
import type { Scenario } from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import { pickApiserver } from './pick.ts';

export const apiserverKill: Scenario = {
  name: 'apiserver-kill',
  description: 'stop one kube-apiserver; measure LB failover, endpoint removal, RTO and RPO',
  defaultSlos: sloDefaults([
    ['lb_failover_s', '<', 30],
    ['api_outage_s', '<', 30],
    ['endpoint_removal_s', '<', 30],
    ['rto_s', '<', 30],
    ['rpo_lost_writes', '<=', 0],
    ['rpo_window_s', '<=', 0],
  ]),
  async fault(ctx) {
    const a = pickApiserver(ctx.target.topology, ctx.options.host);
    return processFault({
      host: a.host,
      component: 'kube-apiserver',
      signal: ctx.options.signal ?? 'KILL',
      ip: a.ip,
    });
  },
  probes: (ctx) => [
    apiAvailabilityProbe({ connection: 'new' }),
    apiAvailabilityProbe({ connection: 'keepalive' }),
    readyzProbe(),
    endpointsProbe(),
    etcdProbe(),
    vipProbe(),
    writeProbe(ctx.runId),
  ],
  recovered(events, at, ctx) {
    const a = pickApiserver(ctx.target.topology, ctx.options.host);
    return apiRecovered(events, at, ctx.sustained) && ipLeftEndpoints(events, at, a.ip);
  },
  // The seeds' APIServerDown (`up{job="apiserver"} == 0`) for the killed instance: its scrape is
  // refused at once; it clears at the first scrape after the heal restarts it.
  alerts: (ctx) => ({
    expected: [
      {
        alert: 'APIServerDown',
        labels: { instance: new URL(pickApiserver(ctx.target.topology, ctx.options.host).url).host },
        clearS: { min: 0, max: 30 },
      },
    ],
    // Its consequences: the apiserver job's TargetDown, haproxy's backend server DOWN.
    allowed: ['TargetDown', 'HAProxyServerDown'],
  }),
  // The endpoint reconciler removes a dead apiserver within TTL + interval; allow twice that.
  observeMs: (t) => 2 * 1000 * ((t.masterLeaseTtlS ?? 15) + (t.endpointReconcileIntervalS ?? 10)) + 10_000,
  // SIGTERM: the apiserver removes its own endpoint on shutdown; SIGKILL: its lease key expires.
  analysis: (ctx) => ({
    windows: {
      endpoint_removal_s: (t) => endpointRemovalWindow(t, { gracefulStop: ctx.options.signal === 'TERM' }),
    },
  }),
};
