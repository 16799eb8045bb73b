/**
 * Findings: facts about the topology or the run that a reviewer must see besides the SLO table
 * (single points of failure, faults without proof, heal errors, watch gaps, measurements outside
 * their expected window). Pure, from the timeline, the measurements and the context.
 */
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';
import { faultProblem, faultStatus } from './fault.ts';
import type { AnalysisContext, Finding, Measurement } from './types.ts';
import { type VipFailback, vipFailback } from './vip.ts';

export type { Finding, FindingSeverity } from './types.ts';

export function deriveFindings(
  timeline: readonly TimelineEvent[],
  measurements: readonly Measurement[],
  ctx: Pick<AnalysisContext, 'lbCount' | 'findings'>,
): Finding[] {
  const out: Finding[] = [...(ctx.findings ?? [])];
  if (ctx.lbCount === 1) {
    out.push({
      id: 'spof-lb',
      severity: 'warning',
      message: 'single point of failure: one API load balancer; the API is down until it is back',
    });
  }
  const problem = faultProblem(faultStatus(timeline));
  if (problem)
    out.push({ id: 'fault-no-effect', severity: 'critical', message: `${problem}: no timing was measured` });
  for (const e of eventsOf(timeline, 'heal.error')) {
    out.push({ id: 'heal-error', severity: 'critical', message: `heal of ${e.fault} failed: ${e.error}` });
  }
  for (const p of eventsOf(timeline, 'fault.proof'))
    if (p.proof.kind === 'restarted')
      for (const s of p.proof.steps.filter((x) => x.foundExitedMs !== undefined))
        out.push({
          id: `exited-before-restart:${s.component}@${s.host}`,
          severity: 'warning',
          message: `${s.component} on ${s.host} was not running when its turn came (${(s.foundExitedMs! / 1000).toFixed(2)} s on the run): it had exited on its own after the restarts before it, and its restart waited ${((s.fromMs - s.foundExitedMs!) / 1000).toFixed(1)} s for the kubelet to start it again. A leader-elected component whose renewals reach only its local apiserver gives up its Lease and exits when that apiserver is away longer than its renew deadline (client-go leaderelection.go \`renew\`): the maintenance cost a leader change and a crash restart. Keep each apiserver's restart shorter than the renew deadline, or point the component at the LB.`,
        });
  const back = vipFailback(timeline);
  if (back) out.push(failbackFinding(back));
  const gaps = eventsOf(timeline, 'watch.gap');
  if (gaps.length) {
    const longest = Math.max(...gaps.map((g) => g.toMs - g.fromMs)) / 1000;
    out.push({
      id: 'watch-gaps',
      severity: 'info',
      message: `${gaps.length} watch gap(s), longest ${longest.toFixed(2)} s (${[...new Set(gaps.map((g) => g.watch))].join(', ')})`,
    });
  }
  for (const m of measurements) {
    if (m.expected?.outside) {
      out.push({
        id: `outside-expected:${m.name}`,
        severity: 'warning',
        message: `${m.name} = ${m.value} ${m.unit} is outside the expected window [${m.expected.min}, ${m.expected.max}] (${m.expected.formula})`,
      });
    }
  }
  const errors = eventsOf(timeline, 'error').length;
  if (errors)
    out.push({ id: 'errors', severity: 'info', message: `${errors} error event(s) on the timeline` });
  return out;
}

/**
 * The VIP came back to its pre-fault holder after the heal: a second move, which the clients that
 * connected through the backup during the fault live through alone. Their connections stay on
 * the backup (its haproxy holds them) while their packets now reach the other LB; a client that
 * sends nothing, a watch waiting for its next event, is not told and sees no change until its own
 * health check gives the connection up: client-go's HTTP/2 check pings after 30 s without a frame
 * and gives up after a 15 s ping timeout (k8s.io/apimachinery pkg/util/net/http.go
 * readIdleTimeoutSeconds, pingTimeoutSeconds; HTTP2_READ_IDLE_TIMEOUT_SECONDS,
 * HTTP2_PING_TIMEOUT_SECONDS). Seen on the lab: after lb-stop's services variant w1's kubelet,
 * watching its pods through the VIP, started a pod bound to it 17 s late, when client-node's 30 s
 * idle timeout re-opened its watch. keepalived's `nopreempt` (keepalived.conf(5): both LBs
 * `state BACKUP`) leaves the VIP where the failover put it.
 */
function failbackFinding(b: VipFailback): Finding {
  return {
    id: 'vip-failback',
    severity: 'info',
    message:
      `the VIP ${b.vip} moved back from ${b.from} to ${b.to} ${b.afterHealS.toFixed(1)} s after the heal ` +
      `(keepalived's preemption): a second move. A watch its client opened through ${b.from} ` +
      'during the fault is not told and sees no change until the client gives the connection up ' +
      "(client-go: 30 s without a frame, then a 15 s ping: up to 45 s; a kubelet's pods, a " +
      "controller's informers). keepalived's nopreempt (both LBs state BACKUP) keeps the VIP " +
      'where the failover put it',
  };
}
