/**
 * The lab's monitoring host `mon1`: real Prometheus and Alertmanager from Debian's packages
 * (`prometheus`, `prometheus-alertmanager`), on their default ports, with Debian's paths
 * (/etc/prometheus, /var/lib/prometheus). Prometheus scrapes, with kube-prometheus' job names:
 *  - `apiserver`               https://<cp>:6443/metrics   (CA-verified; client certificate)
 *  - `kube-controller-manager` https://<cp>:10257/metrics  (client certificate; self-signed
 *  - `kube-scheduler`          https://<cp>:10259/metrics   serving certificates are not verified,
 *  - `kubelet`                 https://<node>:10250/metrics as kube-prometheus' ServiceMonitors)
 *  - `etcd`                    http://<cp>:2381/metrics    (--listen-metrics-urls, control-plane.ts)
 *  - `haproxy`                 http://<lb>:8405/metrics    (haproxy's built-in exporter, haproxy.ts)
 * The client certificate is `prometheus` in `system:monitoring` (the group upstream's
 * system:monitoring ClusterRole grants /metrics to), signed by the cluster CA. Rules: alerts/rules,
 * with every `for` capped by the preset (src/monitoring/rules.ts renderRules). Alertmanager routes
 * every alert to the harness's webhook on the bridge (http://198.18.0.1:9095/), where a drill's
 * detection probe listens (src/probes/alerts.ts); between drills its notifications fail and are
 * retried, harmlessly. Alertmanager's gossip is off (`--cluster.listen-address=`): one instance.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { getJson, getText } from '../monitoring/client.ts';
import { loadRules, renderRules } from '../monitoring/rules.ts';
import type { MonitoringStack } from '../monitoring/stack.ts';
import { waitFor } from '../util/time.ts';
import type { LabConfig, LabHost } from './config.ts';
import { etcdHosts, hostsByRole, nodeHosts } from './config.ts';
import { HAPROXY_METRICS_PORT } from './haproxy.ts';
import { hostPath } from './host.ts';
import type { KubeadmCas } from './kubeadm/pki.ts';
import { ensureClientCert } from './pki/index.ts';
import type { ComponentSpec } from './supervisor.ts';

export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;
/** Where the harness receives Alertmanager's notifications during a lab drill (on the bridge). */
export const WEBHOOK_PORT = 9095;
/** kubeadm's ports of the components Prometheus scrapes. */
const PORTS = { controllerManager: 10257, scheduler: 10259, kubelet: 10250, etcdMetrics: 2381 };

const CONFIG = '/etc/prometheus/prometheus.yml';
const RULES = '/etc/prometheus/rules/ha-drill.rules.yaml';
const AM_CONFIG = '/etc/prometheus/alertmanager.yml';
const PKI = '/etc/prometheus/pki';
const TSDB = '/var/lib/prometheus/metrics2';
const AM_DATA = '/var/lib/prometheus/alertmanager';

/** The monitoring host, when the lab config has one (a lab.json saved before it did has none). */
export const monitoringHost = (cfg: LabConfig): LabHost | undefined => hostsByRole(cfg, 'monitoring')[0];

/** The drill's view of the lab's monitoring: Prometheus, Alertmanager and the webhook address. */
export function labMonitoringStack(cfg: LabConfig, pollMs: number): MonitoringStack | undefined {
  const mon = monitoringHost(cfg);
  if (!mon) return undefined;
  return {
    prometheus: { url: `http://${mon.ip}:${PROMETHEUS_PORT}` },
    alertmanager: { url: `http://${mon.ip}:${ALERTMANAGER_PORT}` },
    webhook: { host: cfg.hostIp, port: WEBHOOK_PORT },
    pollMs,
    origin: `lab ${mon.name}`,
  };
}

const targets = (hosts: readonly LabHost[], port: number) => [
  { targets: hosts.map((h) => `${h.ip}:${port}`) },
];

export function prometheusConfig(cfg: LabConfig): string {
  const m = cfg.timings.monitoring;
  const cps = hostsByRole(cfg, 'control-plane');
  // The kubelets serving /metrics behind the cluster CA: the Nodes' (an external etcd host's
  // standalone kubelet listens on 127.0.0.1 only, as the guide configures it).
  const nodes = nodeHosts(cfg);
  const clientCert = { cert_file: `${PKI}/prometheus.crt`, key_file: `${PKI}/prometheus.key` };
  const https = (verify: boolean) => ({
    scheme: 'https',
    tls_config: verify
      ? { ca_file: `${PKI}/ca.crt`, ...clientCert }
      : { ...clientCert, insecure_skip_verify: true },
  });
  const mon = monitoringHost(cfg)!;
  const doc = {
    global: {
      scrape_interval: `${m.scrapeIntervalS}s`,
      scrape_timeout: `${m.scrapeTimeoutS}s`,
      evaluation_interval: `${m.evaluationIntervalS}s`,
    },
    rule_files: [RULES],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`${mon.ip}:${ALERTMANAGER_PORT}`] }] }] },
    scrape_configs: [
      { job_name: 'apiserver', ...https(true), static_configs: targets(cps, cfg.apiPort) },
      {
        job_name: 'kube-controller-manager',
        ...https(false),
        static_configs: targets(cps, PORTS.controllerManager),
      },
      { job_name: 'kube-scheduler', ...https(false), static_configs: targets(cps, PORTS.scheduler) },
      { job_name: 'kubelet', ...https(false), static_configs: targets(nodes, PORTS.kubelet) },
      { job_name: 'etcd', static_configs: targets(etcdHosts(cfg), PORTS.etcdMetrics) },
      { job_name: 'haproxy', static_configs: targets(hostsByRole(cfg, 'lb'), HAPROXY_METRICS_PORT) },
    ],
  };
  return `# generated by ha-drill for lab host ${mon.name}; edit src/lab/monitoring.ts, not this file\n${YAML.stringify(doc)}`;
}

export function alertmanagerConfig(cfg: LabConfig): string {
  const m = cfg.timings.monitoring;
  const doc = {
    route: {
      receiver: 'ha-drill',
      group_by: ['alertname'],
      group_wait: `${m.groupWaitS}s`,
      group_interval: `${m.groupIntervalS}s`,
      repeat_interval: `${m.repeatIntervalS}s`,
    },
    receivers: [
      {
        name: 'ha-drill',
        webhook_configs: [{ url: `http://${cfg.hostIp}:${WEBHOOK_PORT}/`, send_resolved: true }],
      },
    ],
  };
  return `# generated by ha-drill; edit src/lab/monitoring.ts, not this file\n${YAML.stringify(doc)}`;
}

/** Writes mon1's configs, rules and client certificate; returns Prometheus and Alertmanager. */
export async function monitoringSpecs(cfg: LabConfig, cas: KubeadmCas): Promise<ComponentSpec[]> {
  const mon = monitoringHost(cfg);
  if (!mon) return [];
  const at = (p: string) => hostPath(cfg.stateDir, mon.name, p);
  for (const d of [PKI, path.dirname(RULES), TSDB, AM_DATA]) fs.mkdirSync(at(d), { recursive: true });
  await ensureClientCert(at(PKI), cas.ca, 'prometheus', 'prometheus', ['system:monitoring']);
  fs.copyFileSync(cas.ca.cert, at(`${PKI}/ca.crt`));
  fs.writeFileSync(at(CONFIG), prometheusConfig(cfg));
  fs.writeFileSync(at(AM_CONFIG), alertmanagerConfig(cfg));
  const max = cfg.timings.monitoring.maxRuleForS;
  fs.writeFileSync(at(RULES), renderRules(loadRules(), max === undefined ? {} : { maxForS: max }));
  return [
    {
      host: mon.name,
      netns: mon.netns,
      name: 'prometheus',
      argv: [
        'prometheus',
        `--config.file=${CONFIG}`,
        `--storage.tsdb.path=${TSDB}`,
        '--storage.tsdb.retention.time=1d',
        `--web.listen-address=${mon.ip}:${PROMETHEUS_PORT}`,
      ],
    },
    {
      host: mon.name,
      netns: mon.netns,
      name: 'alertmanager',
      argv: [
        'prometheus-alertmanager',
        `--config.file=${AM_CONFIG}`,
        `--storage.path=${AM_DATA}`,
        `--web.listen-address=${mon.ip}:${ALERTMANAGER_PORT}`,
        '--cluster.listen-address=',
      ],
    },
  ];
}

/**
 * Waits until Prometheus and Alertmanager are ready (`/-/ready`) and no scrape target is down
 * (a target not scraped yet is `unknown`: with the seeds' 30 s interval that can take a while,
 * and a drill's preflight reads the stack again anyway).
 */
export async function waitMonitoring(cfg: LabConfig, timeoutMs: number): Promise<void> {
  const stack = labMonitoringStack(cfg, 1000);
  if (!stack) return;
  const ready = async (url: string) => {
    await getText({ url }, '-/ready');
  };
  await waitFor(
    async () => {
      await ready(stack.prometheus.url);
      await ready(stack.alertmanager!.url);
      const d = (await getJson(stack.prometheus, 'api/v1/targets?state=active')) as {
        data?: {
          activeTargets?: { scrapePool: string; scrapeUrl: string; health: string; lastError: string }[];
        };
      };
      const down = (d.data?.activeTargets ?? []).filter((t) => t.health === 'down');
      if (down.length > 0)
        throw new Error(down.map((t) => `${t.scrapePool} ${t.scrapeUrl}: ${t.lastError}`).join('; '));
      // Prometheus knows its Alertmanager only after service discovery's first update (5 s,
      // prometheus discovery/manager.go updatert): an alert firing before that would wait for
      // the resend delay (1m) to reach it.
      const am = (await getJson(stack.prometheus, 'api/v1/alertmanagers')) as {
        data?: { activeAlertmanagers?: unknown[] };
      };
      if ((am.data?.activeAlertmanagers ?? []).length === 0)
        throw new Error('Prometheus has not discovered its Alertmanager yet');
      return true;
    },
    { timeoutMs, intervalMs: 250, what: 'Prometheus and Alertmanager on the monitoring host' },
  );
}
