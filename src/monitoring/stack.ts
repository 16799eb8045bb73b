/**
 * A drill's monitoring stack: where its Prometheus (and optionally Alertmanager) answer, where
 * the harness listens for Alertmanager's webhook, how often it polls; and what that stack was
 * configured with, read from it at the start of the drill (the alerting context the detection
 * windows are computed from: its own scrape/evaluation intervals, loaded rules, group_wait).
 */
import {
  alertmanagerGrouping,
  checkEndpoint,
  type EndpointOptions,
  loadedAlertRules,
  promGlobals,
} from './client.ts';
import type { AlertingContext } from './types.ts';

export interface WebhookListen {
  readonly host: string;
  readonly port: number;
}

export interface MonitoringStack {
  readonly prometheus: EndpointOptions;
  readonly alertmanager?: EndpointOptions;
  /** Where the harness receives Alertmanager's notifications (a receiver must point here). */
  readonly webhook?: WebhookListen;
  /** Alerts API poll period, ms (<= 1000). */
  readonly pollMs: number;
  /** Where the stack comes from, for the report: "lab mon1", "--prometheus". */
  readonly origin: string;
}

export const DEFAULT_POLL_MS = 500;

/** Validates the stack's options (exit 2 with what to fix). */
export function checkStack(s: MonitoringStack): void {
  checkEndpoint('--prometheus', s.prometheus);
  if (s.alertmanager) checkEndpoint('--alertmanager', s.alertmanager);
  if (!(s.pollMs > 0 && s.pollMs <= 1000))
    throw new Error(`alerts poll period must be in (0, 1000] ms (got ${s.pollMs})`);
}

/** Reads the stack's configuration; throws a TargetError naming the endpoint that failed. */
export async function readAlerting(s: MonitoringStack): Promise<Omit<AlertingContext, 'alerts'>> {
  const [globals, rules, grouping] = await Promise.all([
    promGlobals(s.prometheus),
    loadedAlertRules(s.prometheus),
    s.alertmanager && s.webhook ? alertmanagerGrouping(s.alertmanager) : Promise.resolve(undefined),
  ]);
  return { ...globals, pollIntervalS: s.pollMs / 1000, ...grouping, rules };
}
