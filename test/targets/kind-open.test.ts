/**
 * Opening the kind target with a stand-in docker (kind-fake-docker.ts): a plan without an engine
 * comes from `--create` or kind-configs/ha-3cp.yaml with kind's node names and says what a drill
 * would read live; a plan with an engine reads the live cluster (etcd's client certificates
 * included); a heal needs docker only; this run's files live in a fresh 0700 directory removed at
 * close and when opening fails; a bad kind config is a UserError saying what to fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { openKindTarget } from '../../src/targets/kind.ts';
import { kindNodeNames, readKindConfig } from '../../src/targets/kind-config.ts';
import { TargetError, UserError } from '../../src/util/errors.ts';
import { fakeDocker, LB } from './kind-fake-docker.ts';

const fake = fakeDocker();
const tmp = path.join(fake.dir, 'tmp');
fs.mkdirSync(tmp);
const prev = { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR };
process.env.PATH = fake.path();
process.env.TMPDIR = tmp;
t.teardown(() => {
  Object.assign(process.env, prev);
  fake.remove();
});
const write = (name: string, text: string) => {
  const f = path.join(fake.dir, name);
  fs.writeFileSync(f, text);
  return f;
};
const HEAD = 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n';

t.test("kind's node names (MakeNodeNamer) and its implicit LB", async (t) => {
  t.same(
    kindNodeNames('ha', readKindConfig('kind-configs/ha-3cp.yaml')).map((n) => n.name),
    [
      'ha-control-plane',
      'ha-control-plane2',
      'ha-control-plane3',
      'ha-worker',
      'ha-worker2',
      'ha-external-load-balancer',
    ],
  );
  t.same(kindNodeNames('x', readKindConfig(write('empty.yaml', HEAD))), [
    { name: 'x-control-plane', role: 'control-plane' },
  ]);
  t.same(
    kindNodeNames('x', readKindConfig(write('roleless.yaml', `${HEAD}nodes:\n- {}\n- role: worker\n`))),
    [
      { name: 'x-control-plane', role: 'control-plane' },
      { name: 'x-worker', role: 'worker' },
    ],
    'no role is a control plane (kind SetDefaultsNode); one control plane: no LB',
  );
});

t.test('bad kind configs: UserError saying what to fix', async (t) => {
  const cases: [string, RegExp][] = [
    [path.join(fake.dir, 'absent.yaml'), /no such file: pass a kind config/],
    [
      write('pod.yaml', 'kind: Pod\napiVersion: v1\n'),
      /needs 'kind: Cluster' and 'apiVersion: kind\.x-k8s\.io\/v1alpha4'/,
    ],
    [
      write('role.yaml', `${HEAD}nodes:\n- role: master\n`),
      /nodes\[0\]\.role "master" .*use control-plane or worker/,
    ],
    [write('workers.yaml', `${HEAD}nodes:\n- role: worker\n`), /at least one node with role control-plane/],
    [write('broken.yaml', `${HEAD}nodes: [\n`), /not YAML/],
  ];
  for (const [file, message] of cases) {
    const err = await openKindTarget({ cluster: 'ha', create: file, dryRun: true }).catch((e: unknown) => e);
    t.type(err, UserError, file);
    t.match((err as Error).message, message);
  }
  t.same(fs.readdirSync(tmp), [], 'nothing left behind');
});

t.test('no engine: planned from the default config or --create, with notes', async (t) => {
  fake.engine(false);
  t.teardown(() => fake.engine(true));
  const target = await openKindTarget({ dryRun: true });
  t.equal(target.cluster, 'kind');
  t.same(target.topology.lbs, ['kind-external-load-balancer']);
  t.same(
    target.topology.apiservers.map((a) => a.host),
    ['kind-control-plane', 'kind-control-plane2', 'kind-control-plane3'],
  );
  t.same(
    target.topology.hosts.filter((h) => h.roles.includes('worker')).map((h) => h.name),
    ['kind-worker', 'kind-worker2'],
  );
  t.match(
    target.notes[0],
    /^planned from kind-configs\/ha-3cp\.yaml: no Docker engine answered \(Cannot connect/,
  );
  t.match(target.notes[1], /a drill reads from the live cluster instead: node addresses/);
  t.notOk(fs.existsSync(target.topology.kubeconfigPath), 'no kubeconfig: the API is not read');
  // Its LB actions are planned on kind's default network.
  const down = target.profile.command({ kind: 'link-down', host: 'kind-external-load-balancer' });
  t.match(down.argv[2], /docker network disconnect kind kind-external-load-balancer/);
  await target.close();

  const five = write('5cp.yaml', `${HEAD}nodes:\n${'- role: control-plane\n'.repeat(5)}`);
  const fromCreate = await openKindTarget({ cluster: 'big', create: five, dryRun: true });
  t.same(
    fromCreate.topology.etcd.map((e) => e.member),
    [
      'big-control-plane',
      'big-control-plane2',
      'big-control-plane3',
      'big-control-plane4',
      'big-control-plane5',
    ],
  );
  t.match(fromCreate.notes[0], /planned from .*5cp\.yaml/);
  await fromCreate.close();
  t.same(fs.readdirSync(tmp), [], 'a plan from a config writes no file');
  t.same(
    fake.calls().filter((c) => !(c[0] === 'docker' && c[1] === 'version')),
    [],
    'nothing but docker version was asked',
  );
});

t.test('engine up, cluster absent: exit 3, or the plan of what --create would make', async (t) => {
  const absent = await openKindTarget({ cluster: 'nope', dryRun: true }).catch((e: unknown) => e);
  t.type(absent, TargetError);
  t.match((absent as Error).message, /no kind cluster 'nope'/);
  const plan = await openKindTarget({ cluster: 'nope', create: 'kind-configs/ha-3cp.yaml', dryRun: true });
  t.match(plan.notes[0], /no cluster 'nope' yet: a drill creates it \(kind create cluster --name nope/);
  t.same(plan.topology.lbs, ['nope-external-load-balancer']);
  await plan.close();
});

t.test('engine up, cluster live: the plan reads it, etcd over TLS, private files', async (t) => {
  const target = await openKindTarget({ cluster: 'ha', dryRun: true });
  t.same(target.notes, []);
  const tls = target.topology.etcd.map((e) => e.tls);
  t.ok(
    tls.every((x) => x?.keyFile && x === tls[0]),
    'every member with the healthcheck client',
  );
  const dir = path.dirname(path.dirname(tls[0]!.keyFile));
  t.equal(path.dirname(dir), tmp, 'in the temp directory');
  t.match(path.basename(dir), /^hadrill-kind-ha-\w{6}$/, 'a fresh name, not a predictable path');
  t.equal(fs.statSync(dir).mode & 0o777, 0o700);
  t.equal(fs.statSync(tls[0]!.keyFile).mode & 0o777, 0o600);
  t.equal(fs.statSync(target.topology.kubeconfigPath).mode & 0o777, 0o600);
  t.equal(
    fs.readFileSync(tls[0]!.keyFile, 'utf8'),
    '-----BEGIN healthcheck-client.key of ha-control-plane-----\n',
  );
  t.equal(target.topology.apiUrl, 'https://127.0.0.1:41234');
  t.same(target.topology.apiservers[0], {
    host: 'ha-control-plane',
    ip: '172.18.0.3',
    url: 'https://172.18.0.3:6443',
  });
  await target.close();
  t.same(fs.readdirSync(tmp), [], 'removed at close');
});

t.test('opening fails half-way: the private directory goes too', async (t) => {
  const key = path.join(fake.dir, 'c/ha-control-plane/root/etc/kubernetes/pki/etcd/healthcheck-client.key');
  const pem = fs.readFileSync(key);
  fs.rmSync(key);
  t.teardown(() => fs.writeFileSync(key, pem));
  const err = await openKindTarget({ cluster: 'ha' }).catch((e: unknown) => e);
  t.type(err, TargetError);
  t.match(
    (err as Error).message,
    /cannot read \/etc\/kubernetes\/pki\/etcd\/healthcheck-client\.key from ha-control-plane/,
  );
  t.same(fs.readdirSync(tmp), [], 'no file left');
  // A plan goes on without etcd and says why.
  const plan = await openKindTarget({ cluster: 'ha', dryRun: true });
  t.match(plan.notes.join('\n'), /etcd cannot be read: its client certificates could not be copied/);
  t.equal(plan.topology.etcd[0]?.tls, undefined);
  await plan.close();
  t.same(fs.readdirSync(tmp), []);
});

t.test('for a heal: docker and the containers only', async (t) => {
  const before = fake.calls().length;
  const target = await openKindTarget({ cluster: 'ha', healOnly: true });
  const calls = fake.calls().slice(before);
  t.notOk(
    calls.some((c) => c[0] === 'kind' || c[1] === 'exec'),
    'no kind binary, no kubeconfig, no certificates',
  );
  t.same(target.topology.lbs, [LB]);
  t.match(
    target.profile.command({ kind: 'link-up', host: LB }).argv[2],
    /docker network connect --ip 172\.18\.0\.2 kind ha-external-load-balancer/,
  );
  await target.close();
  t.same(fs.readdirSync(tmp), []);
});
