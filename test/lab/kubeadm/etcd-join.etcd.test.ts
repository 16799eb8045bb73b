/**
 * The kubeadm join of etcd members on Debian's etcd 3.4, from the generated manifests (moved to
 * loopback): cp1 starts alone (kubeadm init), cp2 and cp3 are added as learners, start with
 * `--initial-cluster-state=existing`, and are promoted: three voting members that replicate.
 */
import t from 'tap';
import { addEtcdLearner, kubeadmEtcdClient, promoteEtcdLearner } from '../../../src/lab/kubeadm/etcd-join.ts';
import { kubeadmEtcdFixture } from './tls-etcd.ts';

t.test('init + two joins: three voting members', async (t) => {
  const fx = await kubeadmEtcdFixture(t);
  const cp1 = await fx.start('cp1');
  const client = kubeadmEtcdClient(cp1.root, [cp1.endpoint]);
  t.teardown(() => client.close());
  for (const name of ['cp2', 'cp3'] as const) {
    const id = await addEtcdLearner(client, fx.peerUrl(name));
    t.equal(await addEtcdLearner(client, fx.peerUrl(name)), id, `${name}: adding again is a no-op`);
    const member = await fx.start(name);
    t.ok(member.argv.includes('--initial-cluster-state=existing'), `${name}: joins an existing cluster`);
    await promoteEtcdLearner(client, id);
    await promoteEtcdLearner(client, id);
  }
  const members = (await client.cluster.memberList({})).members;
  t.equal(members.length, 3);
  t.same(members.map((m) => [m.name, m.isLearner]).sort(), [
    ['cp1', false],
    ['cp2', false],
    ['cp3', false],
  ]);
  await client.put('/join/check').value('x');
  const cp3 = kubeadmEtcdClient(cp1.root, [fx.clientUrl('cp3')]);
  t.teardown(() => cp3.close());
  t.equal(await cp3.get('/join/check').string(), 'x', 'replicated to the last member');
  await t.rejects(promoteEtcdLearner(client, 'deadbeef'), /not in the member list/);
});
