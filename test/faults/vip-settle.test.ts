/** withVipSettle: the heal returns once the original holder has the VIP again, or says it did not. */
import t from 'tap';
import type { Fault } from '../../src/faults/types.ts';
import { withVipSettle } from '../../src/faults/vip-settle.ts';
import { FakeTarget, fakeTopology, healthyHosts } from './fake-target.ts';

const inner = (): Fault & { healed: number } => {
  const f = {
    healed: 0,
    name: 'link-down',
    aim: { host: 'lb1' },
    summary: 'lb1 down',
    plan: () => [],
    inject: async () => ({
      effect: true as const,
      proof: { kind: 'link-down' as const, host: 'lb1', link: 'x' },
    }),
    heal: async () => {
      f.healed += 1;
      return 'link of lb1 up';
    },
  };
  return f;
};

t.test('waits for preemption to give the VIP back', async (t) => {
  const target = new FakeTarget(fakeTopology(), healthyHosts());
  const seen = ['lb2', 'lb2', 'lb1+lb2', 'lb1'];
  Object.assign(target, { vipHolder: async () => seen.shift() ?? 'lb1' });
  const f = inner();
  const w = withVipSettle(f, { holder: 'lb1', timeoutMs: 5000, intervalMs: 5 });
  t.equal(await w.heal({ target }), 'link of lb1 up; VIP back on lb1');
  t.equal(f.healed, 1);
  t.same(seen, [], 'polled until lb1 held it');
  t.equal(w.name, 'link-down', 'otherwise the same fault');
});

t.test('no preemption: says where the VIP stayed', async (t) => {
  const target = new FakeTarget(fakeTopology(), healthyHosts());
  Object.assign(target, { vipHolder: async () => 'lb2' });
  const w = withVipSettle(inner(), { holder: 'lb1', timeoutMs: 50, intervalMs: 5 });
  t.match(await w.heal({ target }), /VIP still on lb2 after 0.05 s \(no preemption back to lb1\)/);
});
