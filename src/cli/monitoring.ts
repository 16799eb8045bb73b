/**
 * The drill's monitoring flags: which Prometheus (and Alertmanager) a drill watches for the
 * alerts it expects, how to reach them, where the harness receives Alertmanager's webhook, and
 * `--hold-until-detected`. Without `--prometheus` a target's own monitoring is used (the lab's
 * mon1); `--no-monitoring` turns detection off. Checked before anything is opened (exit 2).
 */
import net from 'node:net';
import type { EndpointOptions } from '../monitoring/client.ts';
import {
  checkStack,
  DEFAULT_POLL_MS,
  type MonitoringStack,
  type WebhookListen,
} from '../monitoring/stack.ts';
import type { MonitoringRun } from '../runner/detection.ts';
import type { Target } from '../targets/types.ts';
import { UserError } from '../util/errors.ts';
import { MONITORING_FLAGS, type MONITORING_OPTIONS } from './monitoring-flags.ts';

export type MonitoringRequest =
  | { readonly kind: 'off' }
  | { readonly kind: 'target'; readonly holdUntilDetected: boolean }
  | { readonly kind: 'given'; readonly stack: MonitoringStack; readonly holdUntilDetected: boolean };

type Values = {
  readonly [K in keyof typeof MONITORING_OPTIONS]?: K extends
    | 'monitoring-insecure'
    | 'hold-until-detected'
    | 'no-monitoring'
    ? boolean
    : string;
};

function webhookOf(text: string): WebhookListen {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || net.isIP(m[1]!) === 0 || port < 1 || port > 65_535)
    throw new UserError(
      `--alert-webhook ${text}: give the address and port to listen on, e.g. 10.0.0.5:9095 (an IP of this machine that Alertmanager reaches)`,
    );
  return { host: m[1]!, port };
}

export function parseMonitoringFlags(v: Values, targetKind: string): MonitoringRequest {
  const hold = v['hold-until-detected'] === true;
  const tls = (
    [
      'monitoring-token-file',
      'monitoring-ca',
      'monitoring-cert',
      'monitoring-key',
      'monitoring-insecure',
    ] as const
  ).filter((k) => v[k] !== undefined);
  if (v['no-monitoring']) {
    const other = MONITORING_FLAGS.filter((k) => k !== 'no-monitoring' && v[k as keyof Values] !== undefined);
    if (other.length > 0)
      throw new UserError(
        `--no-monitoring turns detection off: drop --${other.join(', --')} or --no-monitoring`,
      );
    return { kind: 'off' };
  }
  if (!v.prometheus) {
    const need = [
      ...(v.alertmanager ? ['alertmanager'] : []),
      ...(v['alert-webhook'] ? ['alert-webhook'] : []),
      ...tls,
    ];
    if (need.length > 0)
      throw new UserError(`--${need.join(', --')} need(s) --prometheus URL: name the Prometheus to watch`);
    // Only the lab has monitoring of its own: elsewhere a hold would hold for nothing.
    if (hold && targetKind !== 'lab')
      throw new UserError(
        `--hold-until-detected: --target ${targetKind} has no monitoring of its own: pass --prometheus URL (and --alertmanager URL)`,
      );
    return { kind: 'target', holdUntilDetected: hold };
  }
  if (v['alert-webhook'] && !v.alertmanager)
    throw new UserError(
      '--alert-webhook needs --alertmanager URL (its group_wait sets the notification window)',
    );
  const endpoint = (url: string): EndpointOptions => ({
    url,
    ...(v['monitoring-token-file'] ? { bearerTokenFile: v['monitoring-token-file'] } : {}),
    ...(v['monitoring-ca'] ? { caFile: v['monitoring-ca'] } : {}),
    ...(v['monitoring-cert'] ? { certFile: v['monitoring-cert'] } : {}),
    ...(v['monitoring-key'] ? { keyFile: v['monitoring-key'] } : {}),
    ...(v['monitoring-insecure'] ? { insecureSkipVerify: true } : {}),
  });
  const stack: MonitoringStack = {
    prometheus: endpoint(v.prometheus),
    ...(v.alertmanager ? { alertmanager: endpoint(v.alertmanager) } : {}),
    ...(v['alert-webhook'] ? { webhook: webhookOf(v['alert-webhook']) } : {}),
    pollMs: DEFAULT_POLL_MS,
    origin: `--prometheus ${v.prometheus}`,
  };
  checkStack(stack);
  return { kind: 'given', stack, holdUntilDetected: hold };
}

/**
 * The monitoring a drill on `target` watches, or undefined (said through `log`). A hold without
 * any stack is refused: it would hold for nothing.
 */
export function monitoringFor(
  req: MonitoringRequest,
  target: Target,
  log: (line: string) => void,
): Omit<MonitoringRun, 'alerts'> | undefined {
  if (req.kind === 'off') return undefined;
  if (req.kind === 'given') return { stack: req.stack, holdUntilDetected: req.holdUntilDetected };
  const own = target.monitoring?.(DEFAULT_POLL_MS);
  if (own) return { stack: own, holdUntilDetected: req.holdUntilDetected };
  if (req.holdUntilDetected)
    throw new UserError(
      `--hold-until-detected: ${target.topology.name} has no monitoring of its own: pass --prometheus URL (and --alertmanager URL)`,
    );
  log(
    `no monitoring on ${target.topology.name}: detection is not measured (pass --prometheus URL to measure it)`,
  );
  return undefined;
}
