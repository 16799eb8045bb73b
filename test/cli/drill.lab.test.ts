/**
 * `npm run drill -- apiserver-kill` end to end on the real lab (fast preset): the fault is real,
 * healed, and all five report files carry measured numbers. Plus bad input: exit 2, nothing done.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { componentPid, componentPids } from '../../src/lab/control.ts';
import { runCli } from '../helpers/cli.ts';
import { labForTest } from '../helpers/lab.ts';

const cfg = await labForTest(t, 'fast');
const reportRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-reports-'));
t.teardown(() => fs.rmSync(reportRoot, { recursive: true, force: true }));
const drill = (...args: string[]) =>
  runCli('drill', args, { timeoutMs: 300_000 }).then((r) => ({ ...r, out: `${r.stdout}\n${r.stderr}` }));

interface Report {
  verdict: string;
  measurements: {
    name: string;
    value: number | null;
    verdict: string;
    expected?: { min: number; max: number };
  }[];
  fault: { status: string; heal: { status: string } };
  alerts?: { alert: string; role: string; verdict: string; message: string }[];
}

t.test('apiserver-kill: real fault, healed, five reports with measured numbers', async (t) => {
  const pidBefore = componentPid(cfg, 'cp2', 'kube-apiserver');
  t.type(pidBefore, 'number', 'kube-apiserver runs on cp2 (a static pod of its kubelet)');
  // The lab's mon1 watches by default; the hold makes detection independent of the fault's length.
  const res = await drill(
    'apiserver-kill',
    '--host',
    'cp2',
    '--report-dir',
    reportRoot,
    '--gate',
    '--hold-until-detected',
  );
  t.equal(res.code, 0, 'drill exits 0');
  if (res.code !== 0) t.comment(res.out.slice(-3000));
  const [dir] = fs.readdirSync(reportRoot).filter((d) => d.endsWith('-apiserver-kill'));
  t.ok(dir, 'report directory reports/<timestamp>-apiserver-kill');
  const files = fs.readdirSync(path.join(reportRoot, dir!)).sort();
  t.same(files, ['junit.xml', 'report.html', 'report.json', 'report.md', 'timeline.jsonl']);
  const report = JSON.parse(fs.readFileSync(path.join(reportRoot, dir!, 'report.json'), 'utf8')) as Report;
  t.equal(report.fault.status, 'proven', 'the fault took effect');
  t.equal(report.fault.heal.status, 'done', 'and was healed');
  const m = (name: string) => report.measurements.find((x) => x.name === name);
  for (const name of ['lb_failover_s', 'endpoint_removal_s', 'rto_s', 'api_outage_s']) {
    t.type(m(name)?.value, 'number', `${name} measured: ${m(name)?.value}`);
  }
  t.equal(m('rpo_lost_writes')?.value, 0, 'no acknowledged write lost');
  // The lease reconciler removes a dead apiserver within TTL + interval (+ probe resolution).
  const ttl = cfg.timings.apiserver.masterLeaseTtlS + cfg.timings.apiserver.endpointReconcileIntervalS;
  t.ok(
    m('endpoint_removal_s')!.value! <= ttl + 1,
    `endpoint removal ${m('endpoint_removal_s')!.value} s <= ${ttl} s + 1`,
  );
  // A killed process restarted by the heal: new pid, running.
  const after = componentPid(cfg, 'cp2', 'kube-apiserver');
  t.type(after, 'number', 'running again');
  t.not(after, pidBefore, 'a new kube-apiserver process');
  const junit = fs.readFileSync(path.join(reportRoot, dir!, 'junit.xml'), 'utf8');
  const cases = junit.match(/<testcase /g) ?? [];
  // Detection through the lab's Prometheus and Alertmanager: APIServerDown for cp2's apiserver.
  const expected = (report.alerts ?? []).filter((a) => a.role === 'expected');
  t.match(expected, [{ alert: 'APIServerDown', verdict: 'pass' }], expected[0]?.message ?? 'no alert');
  for (const k of ['detect', 'notify', 'resolve'])
    t.type(m(`${k}_APIServerDown_s`)?.value, 'number', `${k}_APIServerDown_s measured`);
  // One test case per SLO (the detection measurements among them), one per expected alert and
  // per alert that failed the run, and the run's fidelity case (src/model/fidelity.ts).
  const alertCases = (report.alerts ?? []).filter((a) => a.role === 'expected' || a.verdict === 'fail');
  t.equal(
    cases.length,
    report.measurements.filter((x) => x.verdict).length + alertCases.length + 1,
    'one test case per SLO and per expected alert, plus fidelity',
  );
  t.match(junit, /apiserver-kill › alert APIServerDown/);
  t.match(junit, /apiserver-kill › fidelity/);
  t.match(junit, /apiserver-kill › lb_failover_s &lt; 30/);
  const timeline = fs
    .readFileSync(path.join(reportRoot, dir!, 'timeline.jsonl'), 'utf8')
    .trim()
    .split('\n');
  t.ok(timeline.length > 50, `timeline has ${timeline.length} events`);
  const all =
    fs.readFileSync(path.join(reportRoot, dir!, 'report.html'), 'utf8') + junit + timeline.join('\n');
  t.notMatch(all, /BEGIN [A-Z ]*PRIVATE KEY|client-key-data/, 'no secret in any report');
});

t.test("PromQL SLOs of the drill config, judged over the fault window by the lab's Prometheus", async (t) => {
  const dir = fs.mkdtempSync(path.join(reportRoot, 'promql-'));
  const config = path.join(dir, 'drill.yaml');
  fs.writeFileSync(
    config,
    [
      'promql:',
      '  - name: apiservers_up',
      '    expr: sum(up{job="apiserver"})',
      '    slo: ">= 3"',
      '  - name: etcd_has_leader',
      '    expr: min(etcd_server_has_leader{job="etcd"})',
      '    slo: ">= 1"',
      '',
    ].join('\n'),
  );
  const res = await drill(
    'apiserver-kill',
    '--host',
    'cp3',
    '--config',
    config,
    '--report-dir',
    dir,
    '--hold-until-detected',
  );
  t.equal(res.code, 0, 'no --gate: the drill ran');
  const [run] = fs.readdirSync(dir).filter((d) => d.endsWith('-apiserver-kill'));
  const report = JSON.parse(fs.readFileSync(path.join(dir, run!, 'report.json'), 'utf8')) as Report;
  const timeline = fs
    .readFileSync(path.join(dir, run!, 'timeline.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; name?: string; value?: number });
  const m = (name: string) => report.measurements.find((x) => x.name === name);
  t.match(m('promql_apiservers_up'), { verdict: 'fail', value: 2 }, 'one apiserver of three was down');
  t.match(m('promql_etcd_has_leader'), { verdict: 'pass', value: 1 }, 'etcd kept its leader');
  t.match(
    timeline.filter((e) => e.type === 'promql'),
    [{ name: 'apiservers_up', value: 2 }],
    'the first violating sample is on the timeline',
  );
});

t.test('bad input: exit 2 with a message that says what to fix, and no fault injected', async (t) => {
  const pids = [...componentPids(cfg)];
  const cases: [string[], RegExp][] = [
    [['apiserver-kil'], /unknown scenario 'apiserver-kil': choose one of apiserver-kill/],
    [['apiserver-kill', '--host', 'w1'], /--host w1 runs no kube-apiserver: choose one of cp1, cp2, cp3/],
    [['apiserver-kill', '--slo', 'lb_failover=3'], /lb_failover/],
    [['apiserver-kill', '--signal', 'HUP'], /--signal must be KILL or TERM/],
    [['apiserver-kill', '--lab-preset', 'seeds'], /a lab is up with preset 'fast', not 'seeds'/],
    [['apiserver-kill', '--bogus'], /bogus/],
    [['apiserver-kill', '--baseline', '500ms'], /--baseline: '500ms' is too short .* give 1s or more/],
    [['apiserver-kill', '--baseline', '5'], /--baseline: .*has no unit/],
    [[], /name a scenario/],
    // The lab is the harness's own cluster: allowedContexts does not pin it (src/cli/pin.ts).
    [['apiserver-kill', '--allow-any-context'], /--allow-any-context does not apply to --target lab/],
  ];
  // Independent invocations: run them side by side.
  const results = await Promise.all(cases.map(([args]) => drill(...args, '--report-dir', reportRoot)));
  cases.forEach(([args, msg], i) => {
    const r = results[i]!;
    t.equal(r.code, 2, `${args.join(' ')} exits 2`);
    t.match(r.stderr, msg, `${args.join(' ')}: ${r.stderr.trim().split('\n').at(-1)}`);
  });
  const plan = await drill('all', '--dry-run');
  t.equal(plan.code, 0, 'dry run exits 0');
  t.match(plan.stdout, /plan: apiserver-kill on lab/);
  t.match(plan.stdout, /inject on cp1: sh -c/);
  // The kubeadm profile's own heal: the parked manifest back, then wait for the kubelet.
  t.match(plan.stdout, /heal on cp1: sh -c .*hadrill-parked\/kube-apiserver\.yaml/s);
  t.match(plan.stdout, /interlocks: within limits/);
  t.same([...componentPids(cfg)], pids, 'no component was stopped or restarted');
});
