/**
 * The drill CLI on the real lab (fast preset): PromQL SLOs of the drill config judged by the lab's
 * Prometheus, and bad input (exit 2, nothing done). `npm run drill -- apiserver-kill` end to end
 * with its five reports is test/targets/ssh-apiserver-kill.lab.test.ts, on the lab and over ssh.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { componentPids } from '../../src/lab/control.ts';
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
