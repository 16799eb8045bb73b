/**
 * One-line text of a timeline event, for the live terminal view and plain logs, and the notion of
 * a *notable* event: high-rate probe samples are only notable when their status changes.
 */
import type { TimelineEvent } from '../timeline/events.ts';

export function describeEvent(e: TimelineEvent): string {
  switch (e.type) {
    case 'phase':
      return `phase ${e.phase} ${e.state}${e.ok === false ? ' (failed)' : ''}${e.message ? `: ${e.message}` : ''}`;
    case 'fault.invoke':
      return `inject ${e.fault} → ${[e.target.host, e.target.ip, e.target.member, e.target.node, e.target.lease].filter(Boolean).join(' ')}`;
    case 'fault.proof':
      return `proof ${e.proof.kind} on ${e.proof.host}`;
    case 'fault.noeffect':
      return `fault ${e.fault} had NO EFFECT: ${e.reason}`;
    case 'fault.effect':
      return `fault ${e.fault} took effect (${e.how})`;
    case 'heal.invoke':
      return `heal ${e.fault}`;
    case 'heal.done':
      return `healed ${e.fault}${e.detail ? `: ${e.detail}` : ''}`;
    case 'heal.error':
      return `HEAL FAILED ${e.fault}: ${e.error}`;
    case 'api.request':
      return `API ${e.target} (${e.connection}) ${e.ok ? 'ok' : `FAIL ${e.status ?? e.error ?? ''}`}`.trimEnd();
    case 'readyz':
      return `readyz ${e.apiserver} ${e.ok ? 'ok' : `FAIL ${e.status ?? e.error ?? ''}`}`.trimEnd();
    case 'endpoints':
      return `${e.resource} ${e.name}: [${e.ips.join(', ')}]`;
    case 'lease':
      return `lease ${e.namespace}/${e.name} holder ${e.holderIdentity ?? '(none)'}${e.leaseTransitions !== undefined ? ` transitions ${e.leaseTransitions}` : ''}`;
    case 'node':
      return `node ${e.name} Ready=${e.ready}${e.taints.length ? ` taints ${e.taints.map((t) => `${t.taint}:${t.effect}`).join(',')}` : ''}`;
    case 'pod':
      return `pod ${e.name} ${e.deleted ? 'deleted' : `${e.phase}${e.ready ? ' ready' : ''}`} on ${e.node ?? '-'}`;
    case 'etcd.status':
      return `etcd ${e.member} ${e.error ? `error ${e.error}` : `leader ${e.leader ?? 'NONE'} term ${e.raftTerm ?? '?'}`}`;
    case 'vip':
      return `VIP ${e.vip} held by ${e.holder ?? 'nobody'}`;
    case 'alert':
      return `alert ${e.alert}${alertInstance(e.labels)} ${e.state}`;
    case 'alert.notify':
      return `notified ${e.alert}${alertInstance(e.labels)} ${e.status} (receiver ${e.receiver})`;
    case 'promql':
      return `PromQL SLO ${e.name} broken: ${e.value} (SLO ${e.threshold})`;
    case 'snapshot.invoke':
      return `snapshot of ${e.member}`;
    case 'snapshot.done':
      return `snapshot done${e.revision !== undefined ? ` at revision ${e.revision}` : ''}`;
    case 'write.ack':
      return `write #${e.seq} acked`;
    case 'write.fail':
      return `write #${e.seq} FAILED: ${e.error}`;
    case 'readback':
      return `read-back: ${e.present.length} present, ${e.missing.length} missing`;
    case 'watch.gap':
      return `watch ${e.watch} gap ${(e.fromMs / 1000).toFixed(1)}–${(e.toMs / 1000).toFixed(1)} s: ${e.reason}`;
    case 'error':
      return `ERROR${e.during ? ` during ${e.during}` : ''}: ${e.message}`;
    case 'note':
      return e.message;
  }
}

function alertInstance(labels: Readonly<Record<string, string>>): string {
  return labels.instance ? ` {instance=${labels.instance}}` : '';
}

/** Tracks per-signal status so that only changes of high-rate signals are notable. */
export class NotableFilter {
  readonly #last = new Map<string, string>();

  isNotable(e: TimelineEvent): boolean {
    const s = this.#state(e);
    if (!s) return true;
    const [key, value] = s;
    if (this.#last.get(key) === value) return false;
    this.#last.set(key, value);
    return true;
  }

  #state(e: TimelineEvent): [string, string] | undefined {
    switch (e.type) {
      case 'api.request':
        return [`api:${e.target}:${e.connection}`, String(e.ok)];
      case 'readyz':
        return [`readyz:${e.apiserver}`, String(e.ok)];
      case 'etcd.status':
        return [`etcd:${e.member}`, e.error ? 'error' : (e.leader ?? 'none')];
      case 'write.ack':
      case 'write.fail':
        return ['write', e.type];
      default:
        return undefined;
    }
  }
}
