/** Choosing what a scenario aims at: pure parts (identities, workers, variants, --host/--member). */
import t from 'tap';
import { kubeletVariant, pickWorker } from '../../scenarios/kubelet-stop.ts';
import { lbVariant } from '../../scenarios/lb-stop.ts';
import { leaderComponent, leaderKill } from '../../scenarios/leader-kill.ts';
import { hostOfIdentity, pickMember } from '../../scenarios/pick.ts';
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
