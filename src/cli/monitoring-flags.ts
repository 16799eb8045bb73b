/**
 * The monitoring flags' names and help text, without their parser (src/cli/monitoring.ts), so
 * that `--help` and `--list` start without loading the monitoring client.
 */
export const MONITORING_OPTIONS = {
  prometheus: { type: 'string' },
  alertmanager: { type: 'string' },
  'monitoring-token-file': { type: 'string' },
  'monitoring-ca': { type: 'string' },
  'monitoring-cert': { type: 'string' },
  'monitoring-key': { type: 'string' },
  'monitoring-insecure': { type: 'boolean' },
  'alert-webhook': { type: 'string' },
  'hold-until-detected': { type: 'boolean' },
  'no-monitoring': { type: 'boolean' },
} as const;

export const MONITORING_FLAGS = Object.keys(MONITORING_OPTIONS);

export const MONITORING_USAGE = `  --prometheus URL        watch this Prometheus for the drill's expected alerts (default: the
                          target's own, the lab's mon1; kind and ssh have none)
  --alertmanager URL      and this Alertmanager (its group_wait sets the notification window)
  --alert-webhook IP:PORT where the harness listens for Alertmanager's webhook notifications (a
                          receiver of that Alertmanager must post there); with --alertmanager
  --monitoring-token-file FILE, --monitoring-ca FILE, --monitoring-cert FILE --monitoring-key FILE,
  --monitoring-insecure   bearer token, CA, client certificate for both; skip the server check
  --hold-until-detected   keep the fault until every expected alert fired (and was notified) or its
                          window passed (bounded by --deadline)
  --no-monitoring         measure no detection`;
