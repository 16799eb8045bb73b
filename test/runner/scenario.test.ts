/** faultSpanMs: how long a fault stays in place, as the runner observes it (src/runner/run.ts). */
import t from 'tap';
import { kubeletStop } from '../../scenarios/kubelet-stop.ts';
import { lbStop } from '../../scenarios/lb-stop.ts';
import { LINK_PROOF_S } from '../../src/faults/network.ts';
import { faultSpanMs, type ScenarioContext } from '../../src/runner/scenario.ts';
import { FakeTarget, fakeTopology, healthyHosts } from '../faults/fake-target.ts';

const observing = (ms: number) => ({ observeMs: () => ms });
const ctx = (holdMs?: number) =>
  ({ timings: {}, options: {}, ...(holdMs === undefined ? {} : { holdMs }) }) as unknown as ScenarioContext;

t.test('the observation or the hold, whichever is longer; never their sum', async (t) => {
  t.equal(faultSpanMs(observing(20_000), ctx()), 20_000, 'no hold: the observation');
  t.equal(faultSpanMs(observing(20_000), ctx(13_500)), 20_000, 'a shorter hold adds nothing');
  t.equal(faultSpanMs(observing(20_000), ctx(305_000)), 305_000, 'a longer hold (a 5 m `for`) is the span');
});

t.test("a self-restored link stays down for the span and the proof's seconds", async (t) => {
  const target = new FakeTarget(fakeTopology(), healthyHosts());
  const timings = { advertIntS: 0.5 };
  const held = { target, timings, options: { host: 'lb1' }, holdMs: 13_500 } as unknown as ScenarioContext;
  // lb-stop on the fast lab: observeMs 2 × (4 × 0.5 + 3) + 10 = 20 s, the hold 13.5 s.
  const lb = await lbStop.fault(held);
  t.equal(lbStop.observeMs(timings, {}), 20_000);
  t.match(lb.summary, new RegExp(`back by itself after ${20 + LINK_PROOF_S} s at the latest`));
  const longHold = { ...held, holdMs: 65_000 } as ScenarioContext;
  t.match((await lbStop.fault(longHold)).summary, new RegExp(`after ${65 + LINK_PROOF_S} s at the latest`));
  const host = { ...held, options: { variant: 'host', host: 'w1' } } as ScenarioContext;
  const span = Math.ceil(faultSpanMs(kubeletStop, host) / 1000);
  t.match(
    (await kubeletStop.fault(host)).summary,
    new RegExp(`after ${span + LINK_PROOF_S} s at the latest`),
  );
});
