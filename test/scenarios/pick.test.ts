/** Choosing what a scenario aims at: pure parts (identities, workers, variants, --host/--member). */
import t from 'tap';
import { kubeletVariant, pickWorker } from '../../scenarios/kubelet-stop.ts';
import { lbVariant } from '../../scenarios/lb-stop.ts';
import { leaderComponent, leaderKill } from '../../scenarios/leader-kill.ts';
import { etcdLeader, hostOfIdentity, pickMember } from '../../scenarios/pick.ts';
import { restartPlan } from '../../scenarios/rolling-restart.ts';
import type { KubeAccess } from '../../src/probes/kube.ts';
import { TimelineRecorder } from '../../src/timeline/recorder.ts';
import { UserError } from '../../src/util/errors.ts';
import { FakeTarget, fakeTopology, healthyHosts } from '../faults/fake-target.ts';

const topo = fakeTopology();
const target = new FakeTarget(topo, healthyHosts());

t.test('a leader identity <hostname>_<uuid> names its host', async (t) => {
  t.equal(hostOfIdentity(topo, 'cp2_0f9e7c1a-1b2c-4d5e-8f90-123456789abc').name, 'cp2');
  t.equal(hostOfIdentity(topo, 'w1').name, 'w1', 'identity without uuid');
  t.throws(
    () => hostOfIdentity(topo, 'elsewhere_1234'),
    /names host 'elsewhere', which is not in target fake/,
  );
});

t.test('workers, members and variants', async (t) => {
  t.equal(pickWorker({ target, options: {} }).nodeName, 'w1', 'default: the first worker');
  t.equal(pickWorker({ target, options: { host: 'w2' } }).name, 'w2');
  t.throws(
    () => pickWorker({ target, options: { host: 'cp1' } }),
    new UserError('--host cp1 is not a worker: choose one of w1, w2'),
  );
  t.equal(pickMember(topo, 'cp3').member, 'cp3');
  t.throws(() => pickMember(topo, 'cp9'), /choose one of cp1, cp2, cp3/);
  t.equal(leaderComponent({}), 'kube-controller-manager');
  t.equal(leaderComponent({ variant: 'scheduler' }), 'kube-scheduler');
  t.equal(lbVariant({}), 'link');
  t.throws(() => lbVariant({ variant: 'power' }), /--variant must be one of link, services/);
  t.equal(kubeletVariant({ variant: 'host' }), 'host');
  t.throws(() => kubeletVariant({ variant: 'x' }), /--variant must be one of kubelet, host/);
});

t.test('leader-kill aims at the Lease holder and refuses when no standby candidate runs', async (t) => {
  const hosts = healthyHosts();
  for (const h of ['cp1', 'cp2', 'cp3']) hosts.running.add(`${h}/kube-controller-manager`);
  const target = new FakeTarget(topo, hosts);
  const kube = {
    get: async () => ({
      ok: true,
      status: 200,
      latencyMs: 1,
      body: JSON.stringify({ spec: { holderIdentity: 'cp2_1234-abcd', leaseTransitions: 4 } }),
    }),
  } as unknown as KubeAccess;
  const ctx = {
    target,
    kube,
    timings: {},
    options: {},
    runId: 'r',
    sink: new TimelineRecorder().sink('leader-kill'),
  };
  const f = await leaderKill.fault(ctx);
  t.match(f.aim, { host: 'cp2', lease: 'kube-system/kube-controller-manager', signal: 'SIGKILL' });
  await t.rejects(leaderKill.fault({ ...ctx, options: { host: 'cp1' } }), /--host cp1 does not hold/);
  hosts.running.delete('cp1/kube-controller-manager');
  hosts.running.delete('cp3/kube-controller-manager');
  await t.rejects(leaderKill.fault(ctx), /no standby kube-controller-manager runs besides the holder on cp2/);
});

t.test(
  "rolling-restart's plan: each control plane's components, then each external etcd member",
  async (t) => {
    const stacked = restartPlan(topo);
    t.same(stacked.controlPlanes, ['cp1', 'cp2', 'cp3']);
    t.equal(stacked.stackedMembers, 3);
    t.same(stacked.externalMembers, []);
    t.same(
      stacked.steps.slice(0, 4).map((s) => `${s.host}/${s.component}`),
      ['cp1/kube-apiserver', 'cp1/kube-controller-manager', 'cp1/kube-scheduler', 'cp1/etcd'],
    );
    // External etcd: the members on e1..e3, not on the control planes.
    const external = {
      ...topo,
      hosts: [
        ...topo.hosts,
        ...['e1', 'e2', 'e3'].map((name, i) => ({
          name,
          roles: ['etcd' as const],
          address: `10.0.0.4${i + 1}`,
        })),
      ],
      etcd: ['e1', 'e2', 'e3'].map((h, i) => ({
        host: h,
        member: h,
        url: `https://10.0.0.4${i + 1}:2379`,
        peerUrl: `https://10.0.0.4${i + 1}:2380`,
      })),
    };
    const plan = restartPlan(external);
    t.equal(plan.stackedMembers, 0);
    t.same(plan.externalMembers, ['e1', 'e2', 'e3']);
    t.same(
      plan.steps.map((s) => `${s.host}/${s.component}`),
      [
        ...['cp1', 'cp2', 'cp3'].flatMap((h) =>
          ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((c) => `${h}/${c}`),
        ),
        'e1/etcd',
        'e2/etcd',
        'e3/etcd',
      ],
      'the control planes without etcd, then the members one by one',
    );
  },
);

t.test('the etcd leader: members that do not answer are asked again, then the error says so', async (t) => {
  // Closed loopback ports: refused at once, so the test measures the retries' pauses.
  const closed = {
    ...topo,
    etcd: ['a', 'b', 'c'].map((m) => ({
      host: m,
      member: m,
      url: 'http://127.0.0.1:1',
      peerUrl: 'http://127.0.0.1:2',
    })),
  };
  const start = performance.now();
  await t.rejects(
    etcdLeader(closed),
    /no etcd leader all members agree on after 3 tries \(a: .*; b: .*; c: /,
  );
  t.ok(performance.now() - start >= 1000, 'two pauses of 500 ms between the three tries');
});
