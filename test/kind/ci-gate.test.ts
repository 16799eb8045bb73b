/**
 * The CI gate workflow, validated against the GitHub workflow schema by action-validator (the
 * SchemaStore schema plus its glob checks, from npm); a broken copy is rejected, so the check
 * can fail. It runs the gate drill on kind from the changed config, publishes JUnit and the
 * Markdown summary, uploads reports/, and every command it runs is the one docs/real-clusters.md
 * documents.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import t from 'tap';
import YAML from 'yaml';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { checkPin } from '../../src/cli/pin.ts';
import { loadDrillConfig } from '../../src/slo/config.ts';
import { loadInventory } from '../../src/targets/inventory.ts';
import { readKindConfig } from '../../src/targets/kind-config.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { testTmp } from '../helpers/temp.ts';

const file = path.join(PROJECT_ROOT, '.github/workflows/ha-gate.yml');
const src = fs.readFileSync(file, 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}

t.test('the workflow is valid by the GitHub workflow schema', async (t) => {
  const state = validateWorkflow(src);
  t.same(state.errors, [], 'no schema errors');
  const broken = src
    .replace('runs-on: ubuntu-latest', 'runs-on: [ubuntu-latest]\n    stepz: 3')
    .replace('uses: actions/checkout@v4', 'uses: 42');
  t.ok(validateWorkflow(broken).errors.length > 0, 'a broken copy is rejected');
  t.ok(
    validateWorkflow('on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: [1]\n')
      .errors.length > 0,
  );
});

t.test('what the gate does', async (t) => {
  const wf = YAML.parse(src) as {
    on: { pull_request: { paths: string[] } };
    jobs: Record<string, { steps: Step[] }>;
  };
  t.ok(wf.on.pull_request.paths.includes('kind-configs/**'), 'runs on kind config changes');
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
  const runs = steps.map((s) => s.run ?? '').join('\n');
  t.match(
    runs,
    /npm run drill -- all --target kind .*--create "\$KIND_CONFIG" --config \.github\/drill-ci\.yaml --gate/,
  );
  t.match(runs, /report\.md >> "\$GITHUB_STEP_SUMMARY"/, 'Markdown report to the job summary');
  const junit = steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'));
  t.match(junit?.with?.report_paths, /junit\.xml/, 'JUnit published');
  t.equal(junit?.if, 'always()');
  const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
  t.equal(upload?.with?.path, 'reports/', 'reports uploaded');
});

t.test('its commands are the ones the docs give', async (t) => {
  const docs = fs.readFileSync(path.join(PROJECT_ROOT, 'docs/real-clusters.md'), 'utf8');
  const wf = YAML.parse(src) as { jobs: Record<string, { steps: Step[] }> };
  const documented = [
    'Install dependencies',
    'Drill every scenario (gate)',
    'Markdown report to the job summary',
    'Delete the cluster if a crashed drill left it',
  ];
  for (const name of documented) {
    const step = Object.values(wf.jobs)
      .flatMap((j) => j.steps)
      .find((s) => s.name === name);
    t.ok(step?.run, `step '${name}' runs a command`);
    t.ok(docs.includes(step!.run!.trim()), `docs show: ${step!.run!.trim()}`);
  }
});

// kind-e2e.yml (issue 12): two kind releases either side of the boundaries, the kind target and
// the ssh target inside the kind nodes, gated on SLOs and fidelity.
const e2eFile = path.join(PROJECT_ROOT, '.github/workflows/kind-e2e.yml');
const e2eSrc = fs.readFileSync(e2eFile, 'utf8');

interface E2eWorkflow {
  on: Record<string, { paths?: string[] } | null>;
  jobs: {
    e2e: {
      strategy: { matrix: { include: Record<string, string>[] } };
      env: Record<string, string>;
      steps: (Step & { id?: string; env?: Record<string, string> })[];
    };
  };
}
const e2e = YAML.parse(e2eSrc) as E2eWorkflow;
const e2eStep = (id: string) => e2e.jobs.e2e.steps.find((s) => s.id === id)!;

t.test('kind-e2e is valid by the GitHub workflow schema', async (t) => {
  t.same(validateWorkflow(e2eSrc).errors, [], 'no schema errors');
  t.ok(
    validateWorkflow(e2eSrc.replace('uses: actions/checkout@v4', 'uses: 42')).errors.length > 0,
    'a broken copy is rejected',
  );
});

t.test('kind-e2e: the matrix straddles the LB and etcd boundaries; triggers; gates', async (t) => {
  t.same(
    e2e.jobs.e2e.strategy.matrix.include.map((m) => [m.kind, m.etcd, m.lb, m['kubeadm-api']]),
    [
      ['v0.29.0', '3.5', 'haproxy', 'v1beta3'],
      ['v0.32.0', '3.6', 'envoy', 'v1beta4'],
    ],
  );
  for (const m of e2e.jobs.e2e.strategy.matrix.include)
    t.match(
      m['node-image'],
      /^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/,
      'node image pinned by digest',
    );
  const wanted = [
    'src/targets/**',
    'src/executors/**',
    'src/faults/**',
    'scenarios/**',
    'src/analysis/**',
    'kind-configs/**',
  ];
  for (const on of ['pull_request', 'push']) t.same(e2e.on[on]?.paths?.slice(0, 6), wanted, `${on} paths`);
  const runs = e2e.jobs.e2e.steps.map((s) => s.run ?? '').join('\n');
  t.match(
    runs,
    /npm run drill -- all --target kind --cluster "\$CLUSTER" --config \.github\/drill-ci\.yaml --gate --gate-fidelity /,
  );
  t.match(
    runs,
    /npm run drill -- all --target ssh --inventory "\$SSH_DIR\/inventory.yaml" --config "\$SSH_DIR\/drill.yaml" --gate --gate-fidelity /,
  );
  const drill = fs.readFileSync(path.join(PROJECT_ROOT, 'src/cli/drill-main.ts'), 'utf8');
  for (const option of [
    "'gate-fidelity': { type:",
    'inventory: { type:',
    'cluster: { type:',
    "'report-dir': { type:",
  ])
    t.ok(drill.includes(option), `the drill parses ${option.split(':')[0]}`);
  t.match(runs, /case "\$etcd" in "\$WANT_ETCD"\.\*\)/, 'the etcd minor is checked before any drill');
  const junit = e2e.jobs.e2e.steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'));
  t.equal(junit?.if, 'always()');
});

/** Stand-ins for docker, kind, ssh-keygen, ssh-keyscan and sudo: a 5-node cluster `e2e`. */
function e2eTools(dir: string): NodeJS.ProcessEnv {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const nodes = [
    ['e2e-control-plane', 'control-plane', '172.18.0.3'],
    ['e2e-control-plane2', 'control-plane', '172.18.0.4'],
    ['e2e-control-plane3', 'control-plane', '172.18.0.5'],
    ['e2e-worker', 'worker', '172.18.0.6'],
    ['e2e-worker2', 'worker', '172.18.0.7'],
    ['e2e-external-load-balancer', 'external-load-balancer', '172.18.0.2'],
  ];
  const tool = (name: string, body: string) =>
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${dir}/calls.log\n${body}\n`, {
      mode: 0o755,
    });
  tool(
    'docker',
    `case "$1" in
  ps) role=$(echo "$*" | sed -n 's/.*io.x-k8s.kind.role=\\([a-z-]*\\).*/\\1/p')
      for n in ${nodes.map(([n, r]) => `${n}:${r}`).join(' ')}; do
        if [ -z "$role" ] || [ "$role" = "\${n#*:}" ]; then echo "\${n%%:*}"; fi
      done;;
  inspect) for last; do :; done; case "$last" in ${nodes.map(([n, , ip]) => `${n}) echo ${ip};;`).join(' ')} esac;;
  exec) shift; if [ "$1" = -i ]; then cat >> "${dir}/$2.stdin"; fi;;
esac`,
  );
  tool(
    'kind',
    `case "$*" in
  "get kubeconfig --name e2e") printf 'apiVersion: v1\\nclusters:\\n- cluster:\\n    server: https://127.0.0.1:41234\\n  name: kind-e2e\\ncontexts:\\n- context: { cluster: kind-e2e, user: kind-e2e }\\n  name: kind-e2e\\ncurrent-context: kind-e2e\\n';;
  create\\ cluster*) for a; do case "$prev" in --config) cp "$a" "${dir}/kind-config.yaml";; esac; prev=$a; done;;
esac`,
  );
  tool(
    'ssh-keygen',
    `for a; do case "$prev" in -f) echo PRIVATE > "$a"; echo "ssh-ed25519 AAAAC3 e2e" > "$a.pub";; esac; prev=$a; done`,
  );
  tool('ssh-keyscan', 'for last; do :; done; echo "$last ssh-ed25519 AAAAC3host"');
  tool('sudo', `shift; cat >> "${dir}/etc-hosts"`);
  return {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    CLUSTER: 'e2e',
    SSH_DIR: path.join(dir, 'ssh'),
  };
}

/** Runs a step's script as GitHub does (bash -eo pipefail) with the stand-in tools. */
function runStep(id: string, env: NodeJS.ProcessEnv): { code: number | null; stderr: string } {
  const script = path.join(env.SSH_DIR!, '..', `${id}.sh`);
  fs.writeFileSync(script, e2eStep(id).run!);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd: PROJECT_ROOT,
    env,
    encoding: 'utf8',
  });
  return { code: r.status, stderr: r.stderr };
}

t.test('kind-e2e: the cluster config and the ssh inventory the steps write', async (t) => {
  const dir = testTmp('e2e-wf-');
  const env = e2eTools(dir);
  const created = runStep('cluster', { ...env, KUBEADM_API: 'v1beta4', NODE_IMAGE: 'kindest/node:v1.36.1' });
  t.equal(created.code, 0, created.stderr);
  const config = path.join(dir, 'kind-config.yaml');
  t.same(readKindConfig(config), ['control-plane', 'control-plane', 'control-plane', 'worker', 'worker']);
  t.same(YAML.parse(fs.readFileSync(config, 'utf8')).kubeadmConfigPatchesJSON6902, [
    {
      group: 'kubeadm.k8s.io',
      version: 'v1beta4',
      kind: 'ClusterConfiguration',
      patch: '- op: add\n  path: /apiServer/certSANs/-\n  value: hadrill-lb\n',
    },
  ]);

  const prepared = runStep('ssh', env);
  t.equal(prepared.code, 0, prepared.stderr);
  const inv = loadInventory(path.join(dir, 'ssh', 'inventory.yaml'));
  t.same(inv.overrides, {}, 'no overrides: kind nodes have systemd and crictl');
  t.same(inv.timingSources, {});
  t.same(
    inv.hosts.map((h) => [h.name, h.address, h.roles, h.user, h.nodeName ?? null]),
    [
      ['e2e-control-plane', '172.18.0.3', ['control-plane', 'etcd'], 'root', 'e2e-control-plane'],
      ['e2e-control-plane2', '172.18.0.4', ['control-plane', 'etcd'], 'root', 'e2e-control-plane2'],
      ['e2e-control-plane3', '172.18.0.5', ['control-plane', 'etcd'], 'root', 'e2e-control-plane3'],
      ['e2e-worker', '172.18.0.6', ['worker'], 'root', 'e2e-worker'],
      ['e2e-worker2', '172.18.0.7', ['lb'], 'root', null],
    ],
  );
  t.equal(inv.hosts[0]!.keyPath, path.join(dir, 'ssh', 'drill_ed25519'));
  t.equal(inv.hosts[0]!.knownHostsPath, path.join(dir, 'ssh', 'known_hosts'));
  t.match(
    fs.readFileSync(path.join(dir, 'ssh', 'kubeconfig'), 'utf8'),
    /server: https:\/\/hadrill-lb:6443\n/,
  );
  t.equal(fs.readFileSync(path.join(dir, 'etc-hosts'), 'utf8'), '172.18.0.7 hadrill-lb\n');
  t.equal(
    fs
      .readFileSync(path.join(dir, 'ssh', 'known_hosts'), 'utf8')
      .trim()
      .split('\n').length,
    5,
    'a pinned host key per node, not the LB container',
  );
  // The drill config the step writes pins the cluster of that inventory (src/cli/pin.ts).
  const pinFile = path.join(dir, 'ssh', 'drill.yaml');
  const names = [...SCENARIO_CATALOGUE.keys()];
  const pinned = await checkPin({
    kind: 'ssh',
    inventory: path.join(dir, 'ssh', 'inventory.yaml'),
    config: await loadDrillConfig(pinFile, names),
    configFile: pinFile,
    allowAnyContext: false,
  });
  t.same(pinned, { kind: 'pinned', notes: [] }, 'the ssh drills run on the pinned cluster');
  t.same((await loadDrillConfig(pinFile, names)).allowedContexts, [
    {
      context: 'kind-e2e',
      server: 'https://hadrill-lb:6443',
      hosts: ['172.18.0.3', '172.18.0.4', '172.18.0.5', '172.18.0.6', '172.18.0.7'],
    },
  ]);
  const lbIn = fs.readFileSync(path.join(dir, 'e2e-worker2.stdin'), 'utf8');
  for (const ip of ['172.18.0.3', '172.18.0.4', '172.18.0.5'])
    t.match(
      lbIn,
      new RegExp(`server e2e-control-plane\\d? ${ip.replace(/\./g, '\\.')}:6443 check check-ssl verify none`),
    );
  t.match(lbIn, /option httpchk GET \/readyz/);
  t.match(fs.readFileSync(path.join(dir, 'e2e-control-plane.stdin'), 'utf8'), /^ssh-ed25519 AAAAC3 e2e\n$/);
  t.notMatch(
    fs.readFileSync(path.join(dir, 'calls.log'), 'utf8'),
    /external-load-balancer bash/,
    'nothing installed in the LB container',
  );
});

t.test("the workflows' drill config pins the kind clusters they create, and no other", async (t) => {
  const file = path.join(PROJECT_ROOT, '.github/drill-ci.yaml');
  const config = await loadDrillConfig(file, [...SCENARIO_CATALOGUE.keys()]);
  const clusters = { 'ha-gate.yml': src, 'kind-e2e.yml': e2eSrc };
  for (const [wf, text] of Object.entries(clusters)) {
    const cluster = /^\s+CLUSTER: (\S+)$/m.exec(text)?.[1];
    t.ok(cluster, `${wf} names its cluster`);
    t.match(text, /--config \.github\/drill-ci\.yaml/, `${wf} passes the config`);
    const pin = await checkPin({ kind: 'kind', cluster, config, configFile: file, allowAnyContext: false });
    t.same(pin, { kind: 'pinned', notes: [] }, `${wf}: kind-${cluster} is pinned`);
  }
  await t.rejects(
    checkPin({ kind: 'kind', cluster: 'prod', config, configFile: file, allowAnyContext: false }),
    {
      message:
        /kube context 'kind-prod' \(kind cluster prod\) is not in allowedContexts \(kind-ha-gate, kind-e2e\)/,
    },
  );
});
