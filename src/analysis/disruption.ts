/**
 * api_disruption_s (rolling-restart): seconds of failed requests through the LB while the fault
 * was in place (its effect to its heal), in total and per control plane. Each availability probe
 * (new connections, kept-alive connections) sends one request at a time; a failed request counts
 * from when it was sent until the next request was sent (the time the API was seen failing; a
 * timeout counts whole), the last one its own latency. The total is the worse of the two
 * connection kinds; a control plane's share is the failed time that began while that host's
 * components restarted (from its first restart to the next host's first: the LB's detection lag
 * belongs to the host that caused it), as the fault's `restarted` proof dates them.
 *
 * apiserver_restart_disruption_s: the same on new connections, counting only what began while an
 * apiserver restarted (from its restart to the next step's): the part `--shutdown-delay-duration`
 * and the LB's checks govern, judged against its expected window. A kept-alive connection is
 * pinned to one apiserver by a TCP LB: when that apiserver closes its listener after the delay
 * it closes the connection, and a request racing the close fails whatever the delay (Go's
 * net/http client retries such a request on a reused connection, our probe does not): shown in
 * the detail, in the total, not in this part.
 *
 * etcd_restart_disruption_s: the same on new connections, counting only what began while an etcd
 * member restarted. kubeadm's stacked apiserver talks to its local member only
 * (`--etcd-servers=https://127.0.0.1:2379`: cmd/kubeadm/app/phases/controlplane/manifests.go,
 * getAPIServerCommand), so while its member restarts that apiserver fails requests until the
 * member is back or the LB drops it (its /readyz etcd check fails): outside what the shutdown
 * delay can drain. 0 when the plan restarted no member (etcd not on the control planes).
 *
 * lease_holder_changes: how many times a leader Lease (kube-controller-manager, kube-scheduler)
 * changed holder during the fault: the leader moves a rolling restart causes.
 */
import { type EventOf, eventsOf, type RestartStep, type TimelineEvent } from '../timeline/events.ts';
import { faultWindow, inWindow } from './degradation.ts';
import type { Observation } from './types.ts';

type Request = EventOf<'api.request'>;

/** Failed time per request: sent → next sent (the last: its latency). */
function failedSpans(requests: readonly Request[]): { atMs: number; ms: number }[] {
  const out: { atMs: number; ms: number }[] = [];
  requests.forEach((r, i) => {
    if (r.ok) return;
    const next = requests[i + 1];
    out.push({ atMs: r.atMs, ms: next ? next.atMs - r.atMs : r.latencyMs });
  });
  return out;
}

/** Each host's share of the fault window, from its first restart to the next host's first. */
export function hostWindows(
  steps: readonly RestartStep[],
  toMs: number,
): { host: string; fromMs: number; toMs: number }[] {
  const firsts: { host: string; fromMs: number }[] = [];
  for (const s of steps)
    if (!firsts.some((f) => f.host === s.host)) firsts.push({ host: s.host, fromMs: s.fromMs });
  return firsts.map((f, i) => ({ ...f, toMs: firsts[i + 1]?.fromMs ?? toMs }));
}

export function restartSteps(events: readonly TimelineEvent[]): readonly RestartStep[] {
  for (const p of eventsOf(events, 'fault.proof')) if (p.proof.kind === 'restarted') return p.proof.steps;
  return [];
}

/** Each step's share of the fault window: from its restart to the next step's (the last: to `toMs`). */
export function stepWindows(steps: readonly RestartStep[], toMs: number): (RestartStep & { toMs: number })[] {
  return steps.map((s, i) => ({ ...s, toMs: steps[i + 1]?.fromMs ?? toMs }));
}

/**
 * The failed time through the LB during the fault, the worse connection kind; `component` counts
 * only what began while that component's restarts ran (each restart to the next one).
 */
export function apiDisruption(
  events: readonly TimelineEvent[],
  faultMs: number,
  component?: string,
  connection?: 'new' | 'keepalive',
): Observation {
  const w = faultWindow(events, faultMs);
  const during = inWindow(w);
  const lb = eventsOf(events, 'api.request').filter((e) => e.target === 'lb' && during(e));
  if (lb.length === 0) return { value: null, detail: 'no request through the LB during the fault' };
  const steps = stepWindows(restartSteps(events), w.toMs);
  const mine = component ? steps.filter((s) => s.component === component) : undefined;
  if (mine && mine.length === 0)
    return { value: null, detail: `no restart of ${component} in the fault's proof` };
  const counted = (atMs: number) => !mine || mine.some((s) => atMs >= s.fromMs && atMs < s.toMs);
  const kinds = (['new', 'keepalive'] as const)
    .filter((c) => lb.some((e) => e.connection === c))
    .map((c) => ({
      c,
      spans: failedSpans(lb.filter((e) => e.connection === c)).filter((x) => counted(x.atMs)),
    }));
  const sum = (spans: readonly { ms: number }[]) => spans.reduce((a, s) => a + s.ms, 0) / 1000;
  const judged = connection ? kinds.filter((k) => k.c === connection) : kinds;
  if (judged.length === 0)
    return { value: null, detail: `no request on ${connection} connections through the LB` };
  const worst = judged.reduce((a, b) => (sum(b.spans) > sum(a.spans) ? b : a));
  const parts = kinds.map(
    (k) => `${k.c} connections ${sum(k.spans).toFixed(3)} s (${k.spans.length} failed)`,
  );
  const share = (from: number, to: number) => sum(worst.spans.filter((x) => x.atMs >= from && x.atMs < to));
  const perHost = hostWindows(restartSteps(events), w.toMs).map(
    (h) => `${h.host} ${share(h.fromMs, h.toMs).toFixed(3)} s`,
  );
  const perStep = (mine ?? steps)
    .map((s) => ({ s, v: share(s.fromMs, s.toMs) }))
    .filter((x) => x.v > 0)
    .map((x) => `${x.s.component} on ${x.s.host} ${x.v.toFixed(3)} s`);
  const scope =
    (component ? ` while ${component} restarted` : '') +
    (connection ? ` (judged: ${connection} connections)` : '');
  return {
    value: sum(worst.spans),
    detail:
      `${parts.join(', ')}${scope}, of ${lb.length} requests through the LB` +
      (perHost.length && !component ? `; per control plane (${worst.c}): ${perHost.join(', ')}` : '') +
      (steps.length ? `; by restart: ${perStep.join(', ') || 'none failed'}` : ''),
  };
}

export function etcdRestartDisruption(events: readonly TimelineEvent[], faultMs: number): Observation {
  const steps = restartSteps(events);
  if (steps.length > 0 && !steps.some((s) => s.component === 'etcd'))
    return {
      value: 0,
      detail: `the plan restarted no etcd member (${[...new Set(steps.map((s) => s.component))].join(', ')}): etcd is not on the control planes`,
    };
  return apiDisruption(events, faultMs, 'etcd', 'new');
}

export function leaseHolderChanges(events: readonly TimelineEvent[], faultMs: number): Observation {
  const w = faultWindow(events, faultMs);
  const leases = eventsOf(events, 'lease');
  const holder = new Map<string, string | null>();
  const moves: string[] = [];
  let seen = false;
  for (const e of leases) {
    const key = `${e.namespace}/${e.name}`;
    const before = holder.get(key);
    if (e.atMs >= w.fromMs && e.atMs <= w.toMs) {
      seen = true;
      if (before !== undefined && e.holderIdentity && before !== e.holderIdentity)
        moves.push(`${e.name}: ${before ?? 'none'} → ${e.holderIdentity}`);
    }
    if (e.holderIdentity) holder.set(key, e.holderIdentity);
    else if (!holder.has(key)) holder.set(key, null);
  }
  if (!seen && holder.size === 0) return { value: null, detail: 'no leader Lease observed' };
  return {
    value: moves.length,
    detail: moves.length ? moves.join('; ') : 'every leader Lease kept its holder',
  };
}
