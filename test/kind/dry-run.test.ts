/**
 * `npm run drill -- <scenario> --target kind --dry-run`: the command plan on a kind cluster found
 * by its container labels, with stand-ins for docker and kind on PATH (no Docker engine here).
 * Node actions are kubeadm commands run with `docker exec` in the node containers; the LB is the
 * `-external-load-balancer` container, stopped with docker on the harness; nothing but read-only
 * docker/kind calls are made. Without docker's engine or kind: exit 3 and what to install. The
 * plans come from the CLI's code run in this process (helpers/drill-in-process.ts); the last case
 * runs the CLI as a user starts it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.ts';
import { drillInProcess } from '../helpers/drill-in-process.ts';
import { FAKE_NODES, fakeTools } from './fake-tools.ts';

// A journal of this file's own: a lab drill running meanwhile (npm test runs the lanes at once)
// journals its fault in the real one, and every drill refuses to start until it is healed.
const journalDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadr-kind-journal-'));
process.env.HADRILL_JOURNAL = path.join(journalDir, 'heal-journal.jsonl');
t.teardown(() => fs.rmSync(journalDir, { recursive: true, force: true }));

const tools = fakeTools();

async function plan(...args: string[]) {
  const cluster = args.includes('--cluster') ? [] : ['--cluster', 'ha'];
  const prev = process.env.PATH;
  process.env.PATH = tools.env().PATH;
  try {
    // Plans of stand-in clusters: not pinned by allowedContexts (test/cli/kind-cli.test.ts pins them).
    const r = await drillInProcess([
      ...args,
      '--target',
      'kind',
      ...cluster,
      '--dry-run',
      '--allow-any-context',
    ]);
    return { ...r, out: `${r.stdout}${r.stderr}` };
  } finally {
    process.env.PATH = prev;
  }
}

const steps = (out: string) =>
  [...out.matchAll(/^\d+\. (inject|prove|heal|verify-heal) on (\S+): (.*)$/gm)].map((m) => ({
    step: m[1]!,
    host: m[2]!,
    cmd: m[3]!,
  }));

const NODES = new Set(FAKE_NODES.map(([n]) => n as string));

t.test('apiserver-kill: manifest moved out, container killed with crictl, inside the node', async (t) => {
  const r = await plan('apiserver-kill', '--host', 'ha-control-plane2');
  t.equal(r.code, 0, r.out);
  t.match(r.out, /plan: apiserver-kill on kind-ha \(LB envoy: single point of failure\)/);
  const s = steps(r.out);
  t.same(
    s.map((x) => `${x.step}@${x.host}`),
    [
      'inject@ha-control-plane2',
      'prove@ha-control-plane2',
      'heal@ha-control-plane2',
      'verify-heal@ha-control-plane2',
    ],
  );
  // The hard kill first (crictl's container pid), then the manifest is parked (issue 11: parking
  // first lets the kubelet stop the pod gracefully before the kill).
  const stop = s[0]!.cmd;
  t.match(stop, /crictl inspect -o go-template --template '\{\{\.info\.pid\}\}'/);
  const kill = stop.indexOf('kill -KILL $pids');
  const park = stop.indexOf(
    'mv -f /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/hadrill-parked/',
  );
  t.ok(kill > 0 && park > kill, 'kill -KILL before the manifest is parked');
  t.notMatch(stop, /crictl stop/);
  t.match(
    s[2]!.cmd,
    /mv -n \/etc\/kubernetes\/hadrill-parked\/kube-apiserver\.yaml \/etc\/kubernetes\/manifests\//,
    'the heal never overwrites a live manifest',
  );
});

t.test('every scenario plans on the kind containers', async (t) => {
  const cases: [string[], RegExp, string[]][] = [
    [
      ['etcd-partition', '--member', 'ha-control-plane3'],
      /iptables .*--dports 2379,2380/,
      ['ha-control-plane3'],
    ],
    [
      ['kubelet-stop', '--host', 'ha-worker'],
      /systemctl kill --signal=SIGKILL kubelet; systemctl stop kubelet/,
      ['ha-worker'],
    ],
    [
      ['kubelet-stop', '--host', 'ha-worker2', '--variant', 'host'],
      /ip link set dev eth0 down/,
      ['ha-worker2'],
    ],
    [['lb-stop'], /docker network disconnect kind ha-external-load-balancer/, ['local']],
    [['lb-stop', '--variant', 'services'], /docker kill ha-external-load-balancer/, ['local']],
    [
      ['etcd-restore'],
      /snapshot save \/var\/lib\/etcd\/hadrill-snapshot\.db/,
      ['ha-control-plane', 'ha-control-plane2', 'ha-control-plane3'],
    ],
  ];
  // Independent plans: run them side by side (PATH points at the stand-in tools meanwhile).
  const prevPath = process.env.PATH;
  process.env.PATH = tools.env().PATH;
  const results = await Promise.all(cases.map(([args]) => plan(...args))).finally(() => {
    process.env.PATH = prevPath;
  });
  for (const [i, [args, inject, hosts]] of cases.entries()) {
    const r = results[i]!;
    t.equal(r.code, 0, `${args.join(' ')}: ${r.out.slice(-1500)}`);
    const s = steps(r.out);
    t.ok(s.length >= 4, `${args.join(' ')}: ${s.length} steps`);
    t.match(s.find((x) => x.step === 'inject')?.cmd, inject, `${args.join(' ')}: inject command`);
    for (const h of hosts)
      t.ok(
        s.some((x) => x.host === h),
        `${args.join(' ')}: runs on ${h}`,
      );
    for (const x of s)
      t.ok(x.host === 'local' || NODES.has(x.host), `${x.host} is a kind container or local`);
  }
  const mutating = tools.calls().filter(
    (c) =>
      !/^(docker (version|ps|inspect)|kind (version|get kubeconfig))/.test(c) &&
      // a live dry run reads etcd's client certificates
      !/^docker exec \S+ cat \/etc\/kubernetes\/pki\/etcd\//.test(c),
  );
  t.same(mutating, [], 'only read-only docker/kind calls');
  t.ok(
    tools.calls().some((c) => c.includes('label=io.x-k8s.kind.cluster=ha')),
    'containers found by label',
  );
});

t.test('a scenario that needs the live cluster to aim says so', async (t) => {
  const r = await plan('leader-kill');
  t.not(r.code, 0);
  t.match(r.out, /Lease kube-system\/kube-controller-manager/);
});

t.test('an unknown cluster, no engine, no kind: exit 3 with what to do', async (t) => {
  const r = await plan('apiserver-kill', '--cluster', 'nope');
  t.equal(r.code, 3, r.out);
  t.match(
    r.out,
    /no kind cluster 'nope'.*kind create cluster --name nope --config kind-configs\/ha-3cp\.yaml/,
  );
  // The real docker CLI of this machine has no engine behind it.
  const real = await runCli('drill', ['apiserver-kill', '--target', 'kind', '--allow-any-context'], {
    timeoutMs: 60_000,
  });
  t.equal(real.code, 3, real.stderr);
  t.match(real.stderr, /--target kind needs (a Docker engine and none answers|the kind binary)/);
});
