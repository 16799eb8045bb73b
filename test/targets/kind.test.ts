/**
 * The kind target's pure parts and its tool checks with an injected runner: node list parsing,
 * the topology (roles, endpoints, the single LB and its implementation in the name), the LB's
 * docker actions vs kubeadm actions in nodes, and exit-3 messages when docker's engine or kind
 * is missing. `--create` creates only when the cluster is absent and deletes only what it made.
 */
import fs from 'node:fs';
import t from 'tap';
import type { ExecResult } from '../../src/executors/types.ts';
import {
  kindTopology,
  lbKind,
  openKindTarget,
  parseNodeList,
  requireKindTools,
} from '../../src/targets/kind.ts';
import { KindProfile } from '../../src/targets/kind-profile.ts';
import { TargetError } from '../../src/util/errors.ts';

const res = (argv: readonly string[], code: number, stdout = '', stderr = ''): ExecResult => ({
  host: 'local',
  argv,
  code,
  stdout,
  stderr,
  timedOut: false,
  durationMs: 1,
});

const PS = [
  'ha-worker2\tworker\tkindest/node:v1.33.1',
  'ha-control-plane\tcontrol-plane\tkindest/node:v1.33.1',
  'ha-external-load-balancer\texternal-load-balancer\tkindest/haproxy:v20230606',
  'ha-control-plane2\tcontrol-plane\tkindest/node:v1.33.1',
  'ha-control-plane3\tcontrol-plane\tkindest/node:v1.33.1',
  'ha-worker\tworker\tkindest/node:v1.33.1',
].join('\n');

t.test('topology', async (t) => {
  const listed = parseNodeList(PS);
  t.same(
    listed.map((n) => n.name),
    [
      'ha-control-plane',
      'ha-control-plane2',
      'ha-control-plane3',
      'ha-external-load-balancer',
      'ha-worker',
      'ha-worker2',
    ],
  );
  t.equal(lbKind('docker.io/envoyproxy/envoy:v1.33.2'), 'envoy');
  t.equal(lbKind('kindest/haproxy:v20230606'), 'haproxy');
  const nodes = listed.map((n, i) => ({ ...n, ip: `172.18.0.${i + 2}` }));
  const topo = kindTopology('ha', nodes, '/tmp/kc', 'https://127.0.0.1:40000');
  t.equal(topo.name, 'kind-ha (LB haproxy: single point of failure)');
  t.same(topo.lbs, ['ha-external-load-balancer']);
  t.same(
    topo.apiservers.map((a) => a.url),
    ['https://172.18.0.2:6443', 'https://172.18.0.3:6443', 'https://172.18.0.4:6443'],
  );
  t.same(
    topo.hosts.filter((h) => h.nodeName).map((h) => h.nodeName),
    ['ha-control-plane', 'ha-control-plane2', 'ha-control-plane3', 'ha-worker', 'ha-worker2'],
  );
  t.equal(topo.etcd.length, 3);
});

t.test('profile: LB by docker on local, nodes by kubeadm commands', async (t) => {
  const p = new KindProfile('ha-external-load-balancer');
  const lb = 'ha-external-load-balancer';
  t.same(p.command({ kind: 'start', host: lb, component: 'haproxy' }), {
    host: 'local',
    argv: ['sh', '-c', `docker start ${lb} >/dev/null`],
  });
  t.match(
    p.command({ kind: 'stop', host: lb, component: 'haproxy', signal: 'KILL' }).argv[2],
    /^docker kill /,
  );
  t.match(
    p.command({ kind: 'link-down', host: lb }).argv[2],
    /docker network disconnect kind ha-external-load-balancer/,
  );
  const node = p.command({ kind: 'link-down', host: 'ha-worker' });
  t.equal(node.host, 'ha-worker');
  t.notMatch(node.argv[2], /nohup|sleep/, 'no watchdog: docker exec does not ride the link');
  t.match(node.argv[2], /ip link set dev eth0 down/);
});

t.test('missing tools and clusters: exit 3 with what to do; --create and cleanup', async (t) => {
  const noEngine = async (argv: readonly string[]) =>
    argv[1] === 'version' && argv[0] === 'docker'
      ? res(argv, 1, '', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.')
      : res(argv, 0);
  const e1 = await requireKindTools(noEngine).catch((e: unknown) => e);
  t.type(e1, TargetError);
  t.match((e1 as Error).message, /needs a Docker engine and none answers \(Cannot connect/);
  const noKind = async (argv: readonly string[]) =>
    argv[0] === 'kind' ? res(argv, 127, '', 'kind: not found') : res(argv, 0, '28.0');
  t.match(
    ((await requireKindTools(noKind).catch((e: unknown) => e)) as Error).message,
    /needs the kind binary.*install kind/,
  );

  // A cluster that only exists after `kind create`: created once, deleted at close.
  const calls: string[] = [];
  let exists = false;
  const run = async (argv: readonly string[]) => {
    calls.push(argv.join(' '));
    if (argv[0] === 'kind' && argv[1] === 'create') exists = true;
    if (argv[0] === 'docker' && argv[1] === 'ps') return res(argv, 0, exists ? PS : '');
    if (argv[0] === 'docker' && argv[1] === 'inspect') return res(argv, 0, '172.18.0.9 ');
    if (argv[0] === 'kind' && argv[1] === 'get')
      return res(
        argv,
        0,
        "clusters:\n- cluster: {server: 'https://127.0.0.1:40000'}\n  name: k\ncontexts:\n- context: {cluster: k}\n  name: k\ncurrent-context: k\n",
      );
    return res(argv, 0, 'v');
  };
  const absent = await openKindTarget({ cluster: 'ha', run }).catch((e: unknown) => e);
  t.match((absent as Error).message, /no kind cluster 'ha'.*or pass --create/);
  const target = await openKindTarget({ cluster: 'ha', create: 'kind-configs/ha-3cp.yaml', run });
  t.ok(calls.includes('kind create cluster --name ha --config kind-configs/ha-3cp.yaml --wait 5m'));
  t.equal(target.topology.apiUrl, 'https://127.0.0.1:40000');
  t.ok(calls.includes('docker exec ha-control-plane cat /etc/kubernetes/pki/etcd/healthcheck-client.key'));
  const tls = target.topology.etcd[0]?.tls;
  t.ok(tls && target.topology.etcd.every((e) => e.tls === tls), 'etcd client certificates for every member');
  t.equal(fs.readFileSync(tls!.certFile, 'utf8'), 'v', 'copied out of the control plane');
  await target.close();
  t.equal(
    calls.filter((c) => c.startsWith('kind delete cluster --name ha')).length,
    1,
    'deleted what it created',
  );
  // An existing cluster is never deleted.
  calls.length = 0;
  const reused = await openKindTarget({ cluster: 'ha', create: 'kind-configs/ha-3cp.yaml', run });
  await reused.close();
  t.notOk(
    calls.some((c) => c.startsWith('kind create') || c.startsWith('kind delete')),
    'reused, not created, not deleted',
  );
  t.rejects(openKindTarget({ cluster: 'Bad_Name', run }), /--cluster 'Bad_Name'/);
});

t.test('LB timings: Envoy cluster health check (kind ≥ v0.32)', async (t) => {
  const { envoyTimings } = await import('../../src/targets/kubeadm-profile-timings.ts');
  const cds = `resources:
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: kube_apiservers
  connect_timeout: 0.25s
  health_checks:
  - timeout: 3s
    interval: 2s
    unhealthy_threshold: 2
    healthy_threshold: 1
    http_health_check:
      path: /healthz
`;
  t.same(envoyTimings(cds), { checkInterMs: 2000, checkTimeoutMs: 3000, fall: 2 });
  t.same(envoyTimings('resources: []\n'), {
    checkInterMs: undefined,
    checkTimeoutMs: undefined,
    fall: undefined,
  });
});
