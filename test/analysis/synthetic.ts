/**
 * Synthetic timelines for analysis and reporter tests: a small builder plus a realistic
 * apiserver-kill run (fault at 10 s, LB failures 10.5–14.5 s, endpoints removal at 27 s).
 */
import type { EventBody, TimelineEvent } from '../../src/timeline/events.ts';

const WALL0 = Date.parse('2026-11-22T02:40:00.000Z');

export class Timeline {
  readonly events: TimelineEvent[] = [];
  /** Wall-clock skew (ms) applied from a given atMs on, to simulate an NTP step. */
  #skews: [number, number][] = [];

  skewWallFrom(atMs: number, skewMs: number): this {
    this.#skews.push([atMs, skewMs]);
    return this;
  }

  add(atMs: number, body: EventBody, source = 'test'): this {
    const skew = this.#skews.filter(([from]) => atMs >= from).reduce((a, [, s]) => a + s, 0);
    this.events.push({
      atMs,
      wallTime: new Date(WALL0 + atMs + skew).toISOString(),
      source,
      ...body,
    } as TimelineEvent);
    this.events.sort((a, b) => a.atMs - b.atMs);
    return this;
  }

  /** LB probe samples every `stepMs` in [fromMs, toMs) with ok decided by `ok(t)`. */
  lb(
    fromMs: number,
    toMs: number,
    ok: (t: number) => boolean,
    stepMs = 100,
    connection: 'new' | 'keepalive' = 'new',
  ): this {
    for (let t = fromMs; t < toMs; t += stepMs) {
      const good = ok(t);
      this.add(
        t,
        good
          ? { type: 'api.request', target: 'lb', connection, ok: true, status: 200, latencyMs: 5 }
          : { type: 'api.request', target: 'lb', connection, ok: false, error: 'ECONNREFUSED', latencyMs: 1 },
        'lb-probe',
      );
    }
    return this;
  }

  fault(
    atMs: number,
    target: Record<string, string> = { host: 'cp2', ip: '198.18.0.12' },
    fault = 'apiserver-kill',
  ): this {
    return this.add(atMs, { type: 'fault.invoke', fault, target: target as { host: string } }, 'fault').add(
      atMs + 50,
      {
        type: 'fault.proof',
        fault,
        proof: { kind: 'process-gone', host: target.host ?? 'cp2', process: 'apiserver', pid: 4242 },
      },
      'fault',
    );
  }

  endpoints(atMs: number, ips: string[]): this {
    return this.add(
      atMs,
      { type: 'endpoints', resource: 'Endpoints', name: 'kubernetes', ips },
      'endpoints-watch',
    ).add(
      atMs + 5,
      { type: 'endpoints', resource: 'EndpointSlice', name: 'kubernetes', ips },
      'endpointslice-watch',
    );
  }

  /** An `alert` event of the detection probe: `labels` without alertname (added here). */
  alert(
    atMs: number,
    alert: string,
    state: 'pending' | 'firing' | 'inactive',
    labels: Record<string, string> = {},
    extra: { readonly unseenAtMs?: number } = {},
  ): this {
    return this.add(
      atMs,
      { type: 'alert', alert, state, labels: { alertname: alert, ...labels }, ...extra },
      'alerts',
    );
  }

  /** An `alert.notify` event: Alertmanager's webhook delivered one alert of a notification. */
  notify(
    atMs: number,
    alert: string,
    status: 'firing' | 'resolved',
    labels: Record<string, string> = {},
  ): this {
    return this.add(
      atMs,
      { type: 'alert.notify', alert, status, labels: { alertname: alert, ...labels }, receiver: 'ha-drill' },
      'alerts',
    );
  }

  phases(spec: [string, number, number][]): this {
    for (const [phase, start, end] of spec) {
      this.add(start, { type: 'phase', phase: phase as 'inject', state: 'start' }, 'runner');
      this.add(end, { type: 'phase', phase: phase as 'inject', state: 'end', ok: true }, 'runner');
    }
    return this;
  }
}

export const ALL_IPS = ['198.18.0.11', '198.18.0.12', '198.18.0.13'];

/** A complete apiserver-kill run. */
export function apiserverKillRun(): TimelineEvent[] {
  const t = new Timeline()
    .phases([
      ['preflight', 0, 1000],
      ['baseline', 1000, 10000],
      ['inject', 10000, 10100],
      ['observe', 10100, 40000],
      ['heal', 40000, 41000],
      ['verify', 41000, 45000],
    ])
    .lb(1000, 45000, (t) => !(t >= 10500 && t < 14500))
    .fault(10000)
    .endpoints(2000, ALL_IPS)
    .endpoints(27000, ['198.18.0.11', '198.18.0.13'])
    .endpoints(42000, ALL_IPS)
    .add(40000, { type: 'heal.invoke', fault: 'apiserver-kill' }, 'fault')
    .add(41000, { type: 'heal.done', fault: 'apiserver-kill' }, 'fault')
    .add(1500, { type: 'readyz', apiserver: '198.18.0.12', ok: true, status: 200 }, 'readyz')
    .add(10300, { type: 'readyz', apiserver: '198.18.0.12', ok: false, error: 'ECONNREFUSED' }, 'readyz')
    .add(
      12000,
      {
        type: 'lease',
        namespace: 'kube-system',
        name: 'kube-controller-manager',
        holderIdentity: 'cp1_a',
        leaseTransitions: 1,
      },
      'lease-watch',
    );
  for (let seq = 1; seq <= 100; seq++) {
    t.add(
      1000 + seq * 400 + 3,
      { type: 'write.ack', seq, object: `drill-${seq}`, latencyMs: 3 },
      'write-probe',
    );
  }
  t.add(
    44000,
    { type: 'readback', present: Array.from({ length: 100 }, (_, i) => i + 1), missing: [] },
    'write-probe',
  );
  return t.events;
}
