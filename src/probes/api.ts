/**
 * API availability through the load balancer: a GET of the `default` namespace every
 * intervalMs (default 100 ms) with a per-request timeout (default 1 s), one request in flight
 * per variant. Variant `new` opens a new TCP+TLS connection per request (what a fresh client
 * sees); `keepalive` reuses one connection (what a long-lived client sees: it notices a dead
 * backend only when its connection breaks).
 */
import https from 'node:https';
import { every } from './loop.ts';
import type { Probe, ProbeContext } from './types.ts';

export interface ApiProbeOptions {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly connection: 'new' | 'keepalive';
}

export function apiAvailabilityProbe(o: ApiProbeOptions): Probe {
  return {
    name: `api-lb-${o.connection}`,
    async run(ctx: ProbeContext) {
      const url = `${ctx.target.topology.apiUrl}/api/v1/namespaces/default`;
      const agent =
        o.connection === 'keepalive' ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : false;
      try {
        await every(o.intervalMs ?? 100, ctx.signal, ctx.maxRunMs, async () => {
          const sentAt = ctx.nowMs();
          const r = await ctx.kube.get(url, { timeoutMs: o.timeoutMs ?? 1000, agent });
          ctx.sink.record(
            {
              type: 'api.request',
              target: 'lb',
              connection: o.connection,
              ok: r.ok,
              status: r.status,
              error: r.error,
              latencyMs: Math.round(r.latencyMs * 10) / 10,
            },
            sentAt,
          );
        });
      } finally {
        if (agent) agent.destroy();
      }
    },
  };
}

/** `/readyz` of each apiserver directly (anonymous, as the LB health check sees it). */
export function readyzProbe(o: { intervalMs?: number; timeoutMs?: number } = {}): Probe {
  return {
    name: 'readyz',
    async run(ctx: ProbeContext) {
      await every(o.intervalMs ?? 500, ctx.signal, ctx.maxRunMs, async () => {
        await Promise.all(
          ctx.target.topology.apiservers.map(async (a) => {
            const r = await ctx.kube.get(`${a.url}/readyz`, {
              timeoutMs: o.timeoutMs ?? 1000,
              anonymous: true,
            });
            // Record every sample: analysis needs the times, the volume is small (2/s per apiserver).
            ctx.sink.record({ type: 'readyz', apiserver: a.ip, ok: r.ok, status: r.status, error: r.error });
          }),
        );
      });
    },
  };
}
