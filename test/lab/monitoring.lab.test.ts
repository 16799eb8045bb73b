/**
 * The lab's monitoring host, for real: Prometheus and Alertmanager on mon1 scrape every
 * component with kube-prometheus' job names (our apiserver, controller-manager, scheduler and
 * kubelets behind client-certificate authentication, etcd's and haproxy's own exporters), load
 * alerts/rules with the preset's `for` cap, and know their Alertmanager. Reports what the stack
 * costs: Prometheus' and Alertmanager's RSS, and the CPU one scrape of an apiserver's /metrics
 * takes from it.
 */
import fs from 'node:fs';
import https from 'node:https';
import t from 'tap';
import { hostByName, hostsByRole } from '../../src/lab/config.ts';
import { hostPath } from '../../src/lab/host.ts';
import { labMonitoringStack } from '../../src/lab/monitoring.ts';
import { allStaticPodStates } from '../../src/lab/static-pods.ts';
import { Supervisor } from '../../src/lab/supervisor.ts';
import { getJson, loadedAlertRules } from '../../src/monitoring/client.ts';
import { readAlerting } from '../../src/monitoring/stack.ts';
import { labForTest } from '../helpers/lab.ts';

const cfg = await labForTest(t, 'fast');
const stack = labMonitoringStack(cfg, 500)!;
const pki = (f: string) => hostPath(cfg.stateDir, 'mon1', `/etc/prometheus/pki/${f}`);

interface Target {
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
}

t.test('every component is scraped, with kube-prometheus job names', async (t) => {
  const d = (await getJson(stack.prometheus, 'api/v1/targets?state=active')) as {
    data: { activeTargets: Target[] };
  };
  const byJob = new Map<string, Target[]>();
  for (const x of d.data.activeTargets) byJob.set(x.scrapePool, [...(byJob.get(x.scrapePool) ?? []), x]);
  const cps = hostsByRole(cfg, 'control-plane').length;
  const nodes = cps + hostsByRole(cfg, 'worker').length;
  t.same(
    Object.fromEntries([...byJob].map(([job, xs]) => [job, xs.length])),
    {
      apiserver: cps,
      'kube-controller-manager': cps,
      'kube-scheduler': cps,
      kubelet: nodes,
      etcd: cps,
      haproxy: hostsByRole(cfg, 'lb').length,
    },
    'one target per instance',
  );
  for (const x of d.data.activeTargets)
    t.equal(x.health, 'up', `${x.scrapePool} ${x.scrapeUrl} ${x.lastError}`);
});

t.test(
  "the rules are alerts/rules with the preset's for cap, and Prometheus knows its Alertmanager",
  async (t) => {
    const rules = await loadedAlertRules(stack.prometheus);
    const cap = cfg.timings.monitoring.maxRuleForS!;
    t.ok(
      rules.some((r) => r.name === 'APIServerDown' && r.forS === cap),
      `APIServerDown for ${cap}s`,
    );
    t.ok(
      rules.every((r) => r.forS <= cap),
      'every for capped',
    );
    const ctx = await readAlerting(stack);
    t.same(
      [ctx.scrapeIntervalS, ctx.evaluationIntervalS, ctx.groupWaitS],
      [
        cfg.timings.monitoring.scrapeIntervalS,
        cfg.timings.monitoring.evaluationIntervalS,
        cfg.timings.monitoring.groupWaitS,
      ],
    );
    const am = (await getJson(stack.prometheus, 'api/v1/alertmanagers')) as {
      data: { activeAlertmanagers: { url: string }[] };
    };
    t.match(am.data.activeAlertmanagers, [{ url: /198\.18\.0\.51:9093/ }]);
    const firing = (await getJson(stack.prometheus, 'api/v1/alerts')) as {
      data: { alerts: { labels: Record<string, string>; state: string }[] };
    };
    t.same(
      firing.data.alerts.filter((a) => a.labels.severity === 'critical'),
      [],
      'no critical alert in steady state',
    );
  },
);

/** GET an apiserver's /metrics, with or without Prometheus' client certificate. */
function metrics(ip: string, withCert: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `https://${ip}:${cfg.apiPort}/metrics`,
      {
        ca: fs.readFileSync(pki('ca.crt')),
        ...(withCert
          ? { cert: fs.readFileSync(pki('prometheus.crt')), key: fs.readFileSync(pki('prometheus.key')) }
          : {}),
        agent: false,
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const cpuTicks = (pid: number): number => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (proc(5) fields 14, 15)
};
const rssMiB = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

t.test('/metrics needs authentication; what monitoring costs', async (t) => {
  const cp1 = hostByName(cfg, 'cp1');
  const anonymous = await metrics(cp1.ip, false);
  t.ok(anonymous.status === 401 || anonymous.status === 403, `anonymous: HTTP ${anonymous.status}`);
  const pid = allStaticPodStates(cfg)
    .get('cp1')!
    .find((p) => p.name === 'kube-apiserver')!.pids[0]!;
  const before = cpuTicks(pid);
  const n = 50;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = await metrics(cp1.ip, true);
    t.equal(r.status, 200);
    bytes = r.body.length;
  }
  t.match((await metrics(cp1.ip, true)).body, /apiserver_request_total\{/);
  const cpuMs = ((cpuTicks(pid) - before) * 10) / n; // USER_HZ 100
  const perS = cfg.timings.monitoring.scrapeIntervalS;
  t.comment(
    `apiserver /metrics: ${(bytes / 1024).toFixed(0)} KiB, ${cpuMs.toFixed(1)} ms CPU per scrape (incl. TLS): ${(cpuMs / (10 * perS)).toFixed(2)} % of a core at one scrape per ${perS} s`,
  );
  const sup = new Supervisor(cfg.stateDir);
  for (const name of ['prometheus', 'alertmanager']) {
    // The supervisor's pid is the component's own (nsenter execs into the host's namespaces).
    const s = sup.state('mon1', name);
    t.equal(s.state, 'running', `${name} runs`);
    if (s.state === 'running') t.comment(`${name} RSS ${rssMiB(s.pid).toFixed(0)} MiB`);
  }
});
