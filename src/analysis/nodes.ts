/**
 * kubelet-stop measurements from `node` and `pod` events (all relative to the fault invoke):
 *
 * - node_notready_s: first `node` event for the node with Ready ≠ True.
 * - pod_eviction_s: the last pod that was on the node before the fault is deleted.
 * - pods_replaced_s: the workload again has as many Running+ready pods off the stopped node as it
 *   had Running+ready pods in total before the fault.
 */
import { type EventOf, eventsOf, type TimelineEvent } from '../timeline/events.ts';
import { atS } from './format.ts';
import type { Observation } from './types.ts';

type PodEvent = EventOf<'pod'>;

export function nodeNotReady(
  events: readonly TimelineEvent[],
  faultMs: number,
  node: string | undefined,
): Observation {
  if (!node) return { value: null, detail: 'the stopped node is unknown' };
  const evs = eventsOf(events, 'node').filter((e) => e.name === node);
  const before = evs.filter((e) => e.atMs < faultMs).at(-1);
  const after = evs.filter((e) => e.atMs >= faultMs);
  if (before && before.ready !== 'True') {
    return { value: null, detail: `${node} was already Ready=${before.ready} before the fault` };
  }
  const nr = after.find((e) => e.ready !== 'True');
  if (!nr) {
    const last = after.at(-1);
    return {
      value: last ? (last.atMs - faultMs) / 1000 : null,
      lowerBound: true,
      detail: `${node} still Ready at the end of observation`,
    };
  }
  const taints = nr.taints.map((t) => `${t.taint}:${t.effect}`).join(', ');
  return {
    value: (nr.atMs - faultMs) / 1000,
    detail: `${node} Ready=${nr.ready}${taints ? `; taints ${taints}` : ''}`,
  };
}

/** Pod states by name as of time `ms` (exclusive), deleted pods removed. */
function podsAt(pods: readonly PodEvent[], ms: number): Map<string, PodEvent> {
  const state = new Map<string, PodEvent>();
  for (const p of pods) {
    if (p.atMs >= ms) break;
    if (p.deleted) state.delete(p.name);
    else state.set(p.name, p);
  }
  return state;
}

export function podEviction(
  events: readonly TimelineEvent[],
  faultMs: number,
  node: string | undefined,
): Observation {
  if (!node) return { value: null, detail: 'the stopped node is unknown' };
  const pods = eventsOf(events, 'pod');
  const victims = [...podsAt(pods, faultMs).values()].filter((p) => p.node === node).map((p) => p.name);
  if (victims.length === 0) return { value: null, detail: `no drill pod on ${node} before the fault` };
  const deletedAt = new Map<string, number>();
  for (const p of pods)
    if (p.atMs >= faultMs && p.deleted && victims.includes(p.name) && !deletedAt.has(p.name))
      deletedAt.set(p.name, p.atMs);
  if (deletedAt.size < victims.length) {
    const last = pods.at(-1);
    return {
      value: last && last.atMs > faultMs ? (last.atMs - faultMs) / 1000 : null,
      lowerBound: true,
      detail: `${deletedAt.size} of ${victims.length} pod(s) on ${node} evicted by the end`,
    };
  }
  const t = Math.max(...deletedAt.values());
  return {
    value: (t - faultMs) / 1000,
    detail: `${victims.length} pod(s) on ${node} evicted, last at ${atS(t)}`,
  };
}

export function podsReplaced(
  events: readonly TimelineEvent[],
  faultMs: number,
  node: string | undefined,
): Observation {
  if (!node) return { value: null, detail: 'the stopped node is unknown' };
  const pods = eventsOf(events, 'pod');
  const healthy = (p: PodEvent) => p.phase === 'Running' && p.ready;
  const wanted = [...podsAt(pods, faultMs).values()].filter(healthy).length;
  if (wanted === 0) return { value: null, detail: 'no Running drill pod before the fault' };
  const state = podsAt(pods, faultMs);
  for (const p of pods) {
    if (p.atMs < faultMs) continue;
    if (p.deleted) state.delete(p.name);
    else state.set(p.name, p);
    const elsewhere = [...state.values()].filter((q) => healthy(q) && q.node !== node).length;
    if (elsewhere >= wanted) {
      return {
        value: (p.atMs - faultMs) / 1000,
        detail: `${elsewhere}/${wanted} pod(s) Running and ready off ${node}`,
      };
    }
  }
  const last = pods.at(-1);
  return {
    value: last && last.atMs > faultMs ? (last.atMs - faultMs) / 1000 : null,
    lowerBound: true,
    detail: `the workload never had ${wanted} Running pod(s) off ${node}`,
  };
}
