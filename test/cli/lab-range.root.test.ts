/**
 * With no lab, nothing goes to the lab's range (198.18.0.0/15): every scenario's `--dry-run` on
 * the lab target, and `lab status`, run in a private network namespace that has a default route
 * (a veth pair), as a machine without a lab does — a packet to the range would leave
 * through it. An iptables rule there counts every packet sent to the range; it must stay at 0.
 * The dry runs plan from the lab config, and a scenario whose aim needs the running cluster (the
 * etcd leader) asks for the flag that names it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { cliArgv } from '../helpers/cli.ts';
import { untracked, withoutTapHooks } from '../helpers/env.ts';
import { requireRoot } from '../helpers/root.ts';
import { badInputCases } from './bad-input-cases.ts';

requireRoot('test/cli/lab-range.root.test.ts', ['unshare', 'iptables', 'ip']);

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadr-norange-'));
fs.rmSync(stateDir, { recursive: true });
const journal = path.join(os.tmpdir(), `hadr-norange-journal-${process.pid}.jsonl`);
t.teardown(() => fs.rmSync(journal, { force: true }));

/** Runs the commands in a fresh network namespace with a default route; returns outputs and the counter. */
function inNamespace(commands: readonly string[][]): { outputs: string[]; codes: number[]; packets: number } {
  const run = commands
    .map(
      (argv, i) =>
        `${argv.map(q).join(' ')} > /tmp/hadr-norange-${process.pid}-${i}.out 2>&1; echo "code $?"`,
    )
    .join('\n');
  const script = [
    'set -e',
    'ip link set lo up',
    'ip link add d0 type veth peer name d1',
    'ip addr add 10.77.0.2/24 dev d0',
    'ip link set d0 up',
    'ip link set d1 up',
    'ip route add default via 10.77.0.1',
    'iptables -w 5 -I OUTPUT -d 198.18.0.0/15 -m comment --comment hadr-norange -j ACCEPT',
    'set +e',
    run,
    'iptables -w 5 -L OUTPUT -v -n -x | awk \'/hadr-norange/ {print "packets " $1}\'',
  ].join('\n');
  // untracked: tap's hook would load itself into every Node child (helpers/env.ts).
  const r = spawnSync('unshare', ['-n', ...untracked(['sh', '-c', script])], {
    encoding: 'utf8',
    env: { ...withoutTapHooks(), HADRILL_LAB_DIR: stateDir, HADRILL_JOURNAL: journal },
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`namespace script failed (${r.status}): ${r.stderr}`);
  const codes = [...r.stdout.matchAll(/^code (\d+)$/gm)].map((m) => Number(m[1]));
  const packets = Number(/^packets (\d+)$/m.exec(r.stdout)?.[1] ?? Number.NaN);
  const outputs = commands.map((_, i) => {
    const f = `/tmp/hadr-norange-${process.pid}-${i}.out`;
    const text = fs.readFileSync(f, 'utf8');
    fs.rmSync(f, { force: true });
    return text;
  });
  return { outputs, codes, packets };
}

t.test('no lab: dry runs and lab status send nothing to 198.18.0.0/15', async (t) => {
  const names = [...SCENARIO_CATALOGUE.keys()];
  const commands = [
    ...names.map((n) => cliArgv('drill', [n, '--dry-run'])),
    cliArgv('drill', ['etcd-partition', '--member', 'cp2', '--dry-run']),
    cliArgv('drill', ['lb-stop', '--host', 'lb1', '--dry-run']),
    cliArgv('drill', ['all', '--dry-run']),
    cliArgv('lab', ['status']),
  ];
  const { outputs, codes, packets } = inNamespace(commands);
  t.equal(packets, 0, 'packets sent to 198.18.0.0/15');
  names.forEach((n, i) => {
    const flag = {
      'etcd-partition': /pass --member/,
      'etcd-disk-latency': /pass --member/,
      'network-degrade': /pass --member/,
      'leader-kill': /name the aim with its flag/,
      'lb-stop': /pass --host/,
    }[n];
    if (flag) {
      // Their default aim is read from the running cluster: exit 2, naming the flag.
      t.equal(codes[i], 2, `${n} --dry-run: exit 2 (${outputs[i]!.trim().split('\n').at(-1)})`);
      t.match(outputs[i], flag);
    } else {
      t.equal(codes[i], 0, `${n} --dry-run plans without a lab`);
      t.match(outputs[i], /planned from the lab config .* without a running lab/);
    }
  });
  const member = names.length;
  t.equal(codes[member], 0, 'etcd-partition --member cp2 plans without a lab');
  t.match(outputs[member], /inject on cp2: sh -c/);
  t.equal(codes[member + 1], 0, 'lb-stop --host lb1 plans without a lab');
  const all = outputs[member + 2]!;
  t.equal(codes[member + 2], 0, 'all --dry-run plans what it can without a lab');
  t.equal((all.match(/^plan: /gm) ?? []).length, names.length, 'a plan line per scenario');
  for (const n of ['etcd-partition', 'etcd-disk-latency', 'network-degrade', 'leader-kill', 'lb-stop'])
    t.match(all, new RegExp(`^plan: ${n} — not planned: `, 'm'), `all: ${n}'s live aim is said, not planned`);
  t.match(outputs[names.length + 3], /no lab is up/, 'lab status says so');
  t.notOk(fs.existsSync(stateDir), 'no lab state was created');
});

t.test('bad input through real CLIs: exit 2 and nothing sent to 198.18.0.0/15', async (t) => {
  const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'hadr-norange-fx-'));
  t.teardown(() => fs.rmSync(fixtures, { recursive: true, force: true }));
  const reports = path.join(fixtures, 'reports');
  // Every 12th case of the table (the rest run in-process in bad-input.test.ts, where every
  // connection the CLI's code starts is recorded); a case with its own env is left to that file.
  const sample = badInputCases(fixtures).filter((c, i) => i % 12 === 0 && !c.env);
  t.ok(sample.length >= 10, `${sample.length} cases`);
  const { outputs, codes, packets } = inNamespace(sample.map((c) => cliArgv('drill', c.args(reports))));
  t.equal(packets, 0, 'packets sent to 198.18.0.0/15');
  sample.forEach((c, i) => {
    t.equal(codes[i], 2, `${c.name}: exit 2`);
    t.match(outputs[i], c.says, `${c.name}: names the fix`);
  });
  t.notOk(fs.existsSync(reports), 'no report directory');
  t.notOk(fs.existsSync(stateDir), 'no lab state was created');
});
