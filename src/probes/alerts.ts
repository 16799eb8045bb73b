/**
 * The detection probe: polls Prometheus' alerts API (`GET /api/v1/alerts`, every pollMs <= 1 s)
 * and records an `alert` event whenever an alert (alertname + label set) appears, changes state
 * (pending → firing) or leaves the list (`inactive`); and, when the stack has a webhook, runs an
 * HTTP receiver for Alertmanager's webhook notifications (alertmanager notify/webhook/webhook.go:
 * a POST of `{receiver, status, alerts: [{status, labels, ...}]}`), one `alert.notify` event per
 * alert in a notification. Bounded like every probe; the receiver closes when the probe ends.
 */
import http from 'node:http';
import { labelText } from '../analysis/alerts.ts';
import { activeAlerts } from '../monitoring/client.ts';
import type { MonitoringStack } from '../monitoring/stack.ts';
import { every } from './loop.ts';
import type { Probe, ProbeContext } from './types.ts';

const MAX_BODY = 1 << 20;

export function alertsProbe(stack: MonitoringStack): Probe {
  return {
    name: 'alerts',
    async run(ctx: ProbeContext) {
      // Without its receiver the probe still polls: the analysis then reports no notifications.
      const receiver = stack.webhook
        ? await startReceiver(stack, ctx).catch((err: Error) => {
            ctx.sink.record({ type: 'error', message: err.message, during: 'alert webhook' });
            return undefined;
          })
        : undefined;
      try {
        await poll(stack, ctx);
      } finally {
        await receiver?.close();
      }
    },
  };
}

async function poll(stack: MonitoringStack, ctx: ProbeContext): Promise<void> {
  const seen = new Map<string, { state: 'pending' | 'firing'; labels: Record<string, string> }>();
  let failing = false;
  let first = true;
  /** When the last answered poll was sent (run clock): an alert not in its answer went active after. */
  let answeredAt: number | undefined;
  await every(stack.pollMs, ctx.signal, ctx.maxRunMs, async () => {
    const sentAt = ctx.nowMs();
    let alerts: Awaited<ReturnType<typeof activeAlerts>>;
    try {
      alerts = await activeAlerts({ ...stack.prometheus, timeoutMs: Math.max(500, stack.pollMs) });
    } catch (err) {
      // One note per outage of the API, not one per poll.
      if (!failing) ctx.sink.record({ type: 'note', message: `alerts API: ${(err as Error).message}` });
      failing = true;
      return;
    }
    if (failing) ctx.sink.record({ type: 'note', message: 'alerts API answers again' });
    failing = false;
    if (first) {
      // The picture before the fault (and the baseline's sign that this probe reports).
      const names = [...new Set(alerts.map((a) => `${a.labels.alertname} (${a.state})`))];
      ctx.sink.record({
        type: 'note',
        message: `alerts API: ${alerts.length} active alert(s) at start${names.length ? `: ${names.join(', ')}` : ''}`,
      });
      first = false;
    }
    const now = new Set<string>();
    for (const a of alerts) {
      // An alert's identity: its label set (alertname included), as the analysis keys it.
      const key = labelText(a.labels);
      now.add(key);
      const before = seen.get(key);
      if (before?.state === a.state) continue;
      seen.set(key, { state: a.state, labels: { ...a.labels } });
      ctx.sink.record(
        {
          type: 'alert',
          alert: a.labels.alertname ?? '(no alertname)',
          state: a.state,
          labels: a.labels,
          ...(a.activeAt ? { activeAt: a.activeAt } : {}),
          ...(before === undefined && answeredAt !== undefined ? { unseenAtMs: answeredAt } : {}),
        },
        sentAt,
      );
    }
    for (const [key, s] of seen) {
      if (now.has(key)) continue;
      seen.delete(key);
      ctx.sink.record(
        { type: 'alert', alert: s.labels.alertname ?? '(no alertname)', state: 'inactive', labels: s.labels },
        sentAt,
      );
    }
    answeredAt = sentAt;
  });
}

interface WebhookBody {
  readonly receiver?: string;
  readonly alerts?: readonly { status?: string; labels?: Record<string, string>; startsAt?: string }[];
}

async function startReceiver(stack: MonitoringStack, ctx: ProbeContext): Promise<{ close(): Promise<void> }> {
  const w = stack.webhook!;
  const server = http.createServer((req, res) => {
    const at = ctx.nowMs();
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let body: WebhookBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookBody;
      } catch {
        res.writeHead(400).end('not JSON\n');
        return;
      }
      for (const a of body.alerts ?? []) {
        const labels = a.labels ?? {};
        if (a.status !== 'firing' && a.status !== 'resolved') continue;
        ctx.sink.record(
          {
            type: 'alert.notify',
            alert: labels.alertname ?? '(no alertname)',
            status: a.status,
            labels,
            receiver: body.receiver ?? '',
            ...(a.startsAt ? { startsAt: a.startsAt } : {}),
          },
          at,
        );
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen for Alertmanager's webhook on ${w.host}:${w.port} (${err.code ?? err.message}): free the port or pass another with --alert-webhook`,
        ),
      ),
    );
    server.listen(w.port, w.host, () => resolve());
  });
  ctx.sink.record({ type: 'note', message: `alert webhook receiver on http://${w.host}:${w.port}/` });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
