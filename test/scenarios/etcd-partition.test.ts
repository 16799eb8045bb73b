/** etcd-partition's analysis context: an external member's cut is a finding; a stacked one's is not. */
import t from 'tap';
import { etcdPartition, externalMemberFinding } from '../../scenarios/etcd-partition.ts';
import type { ScenarioContext } from '../../src/runner/scenario.ts';
import { FakeTarget, fakeTopology, healthyHosts } from '../faults/fake-target.ts';

const topo = fakeTopology();
const ctx = (target: FakeTarget) => ({ target, timings: {}, options: {} }) as unknown as ScenarioContext;

t.test('a stacked member: its apiserver goes with it, no finding', async (t) => {
  const target = new FakeTarget(topo, healthyHosts());
  const fault = await etcdPartition.fault({ ...ctx(target), options: { member: 'cp2' } });
  t.same(etcdPartition.analysis?.(ctx(target), fault), {});
});

t.test('an external member: the keepalive finding, with the target kind', async (t) => {
  const external = {
    ...topo,
    kind: 'ssh' as const,
    etcd: ['e1', 'e2', 'e3'].map((h, i) => ({
      host: h,
      member: h,
      url: `https://10.0.0.4${i + 1}:2379`,
      peerUrl: `https://10.0.0.4${i + 1}:2380`,
    })),
  };
  const target = new FakeTarget(external, healthyHosts());
  const fault = await etcdPartition.fault({ ...ctx(target), options: { member: 'e2' } });
  t.equal(fault.aim.ip, undefined, 'no stacked apiserver on e2');
  const f = etcdPartition.analysis?.(ctx(target), fault).findings ?? [];
  t.equal(f.length, 1);
  t.equal(f[0]?.id, 'external-etcd-partition');
  t.match(f[0]?.message, /about 1 in 3 requests/);
  t.match(f[0]?.message, /kube-apiserver: a ping after 30 s without an answer, 10 s to answer: up to 40 s/);
  t.match(externalMemberFinding(5, 'lab').message, /the lab's apiserver: .*up to 15 s/);
});
