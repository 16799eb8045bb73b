/**
 * Stop several services of one host together (lb-stop's `services` variant: haproxy and
 * keepalived of the active LB). Each gets the signal in the order given; proof: every one of them
 * is gone; effect: the first one's signal (src/faults/effect.ts). Heal: start each again, in
 * reverse order, unless it already runs (idempotent).
 */
import type { Component } from '../targets/types.ts';
import { waitFor } from '../util/time.ts';
import { effectWithin, type RoundTrip, timed } from './effect.ts';
import { type Fault, failed, type InjectOutcome, runAction, step } from './types.ts';

export interface ServicesFaultOptions {
  readonly host: string;
  readonly components: readonly Component[];
  readonly signal: 'KILL' | 'TERM';
}

export function servicesFault(o: ServicesFaultOptions): Fault {
  const names = o.components.join('+');
  const running = (component: Component) => ({ kind: 'running', host: o.host, component }) as const;
  return {
    name: 'services-stop',
    impact: o.components.map((c) => ({
      kind:
        c === 'haproxy' || c === 'keepalived'
          ? 'lb'
          : c === 'etcd'
            ? 'etcd-member'
            : c === 'kube-apiserver'
              ? 'apiserver'
              : 'other',
      host: o.host,
    })),
    aim: { host: o.host, signal: o.signal === 'KILL' ? 'SIGKILL' : 'SIGTERM' },
    summary: `SIG${o.signal} ${o.components.join(' and ')} on ${o.host}`,
    plan: (target) =>
      o.components.flatMap((component) => [
        step(
          target,
          'inject',
          { kind: 'stop', host: o.host, component, signal: o.signal },
          `${component} receives SIG${o.signal}`,
        ),
        step(target, 'prove', running(component), `exits non-zero: ${component} is gone`),
        step(target, 'heal', { kind: 'start', host: o.host, component }, `${component} runs again`),
        step(target, 'verify-heal', running(component), 'exits 0 with the new pid'),
      ]),
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      for (const c of o.components) {
        if ((await runAction(target, running(c))).code !== 0)
          return { effect: false, reason: `${c} on ${o.host} was not running before the fault` };
      }
      let firstStop: { readonly trip?: RoundTrip; readonly stdout: string } | undefined;
      for (const c of o.components) {
        const { result: res, trip } = await timed(nowMs, () =>
          runAction(target, { kind: 'stop', host: o.host, component: c, signal: o.signal }),
        );
        if (res.code !== 0) throw failed(res, `stopping ${c}`);
        firstStop ??= { trip, stdout: res.stdout };
      }
      for (const c of o.components) {
        const gone = await waitFor(
          async () => ((await runAction(target, running(c))).code !== 0 ? true : undefined),
          { timeoutMs: o.signal === 'KILL' ? 5000 : 30_000, intervalMs: 50, what: `${c} to exit` },
        ).catch(() => false);
        if (!gone) return { effect: false, reason: `${c} on ${o.host} still runs after SIG${o.signal}` };
      }
      // The LB stops serving when the first service gets its signal (keepalived: its priority-0
      // advert hands the VIP over), not when the last one is gone: the first stop command's round
      // trip holds it (src/faults/effect.ts: the signal, not the exit; kind's LB: `docker kill`).
      const [first] = o.components;
      return {
        effect: true,
        proof: { kind: 'service-stopped', host: o.host, service: names },
        ...effectWithin(
          firstStop?.trip,
          `SIG${o.signal} sent to ${first} by its stop command`,
          firstStop?.stdout,
        ),
      };
    },
    async heal({ target }) {
      const started: string[] = [];
      for (const c of [...o.components].reverse()) {
        if ((await runAction(target, running(c))).code === 0) continue;
        const res = await runAction(target, { kind: 'start', host: o.host, component: c }, 60_000);
        if (res.code !== 0) throw failed(res, `starting ${c}`);
        const check = await runAction(target, running(c));
        if (check.code !== 0) throw failed(check, `${c} did not stay up after start`);
        started.push(c);
      }
      return started.length
        ? `${started.join(' and ')} on ${o.host} running again`
        : `${names} on ${o.host} already running`;
    },
  };
}
