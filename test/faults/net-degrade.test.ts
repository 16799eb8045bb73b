/**
 * The net-degrade fault on the scripted target, with a small model of the links: a host told to
 * degrade adds its delay to what it sends, so a peer round trip grows by the delay of each
 * degraded end; the loss counters grow with every reading. Proven only when the round trips
 * measured from the first degraded member show it, and with loss when packets were dropped among
 * enough counted; every member's host is told (a healthy one carries its degraded peers' delay on
 * its own connections, with the proxy); the heal removes it everywhere.
 */
// hadrill-test: unit waits (alone: 2.3 s of wall time, 0.4 s of CPU; scripts/run-files.mjs)
import t from 'tap';
import type { ExecResult } from '../../src/executors/types.ts';
import {
  addedRttMs,
  type DegradedMember,
  type NetDegradeOptions,
  netDegradeFault,
  packetsForLoss,
  specFor,
} from '../../src/faults/net-degrade.ts';
import type { Action } from '../../src/targets/types.ts';
import { aroundExec, FakeTarget, fakeTopology } from './fake-target.ts';

const members = (degraded: readonly string[]): DegradedMember[] =>
  ['cp1', 'cp2', 'cp3'].map((h, i) => ({
    host: h,
    member: h,
    address: `198.18.0.1${i + 1}`,
    port: 2380,
    degraded: degraded.includes(h),
  }));

const opts = (o: Partial<NetDegradeOptions> = {}): NetDegradeOptions => ({
  members: members(['cp1']),
  delayMs: 100,
  jitterMs: 0,
  lossPct: 0,
  forS: 60,
  rttSamples: 3,
  proofTimeoutMs: 2000,
  ...o,
});

const ok = (stdout: string, host: string): ExecResult => ({
  host,
  argv: [],
  code: 0,
  stdout,
  stderr: '',
  timedOut: false,
  durationMs: 1,
});

/** The links as the hosts would measure them: `effective` says which degradations took. */
function links(o: { effective?: boolean; packetsPerRead?: number; dropRatio?: number } = {}) {
  const target = new FakeTarget(fakeTopology(), {
    running: new Set(),
    data: new Set(),
    snapshots: new Set(),
  });
  const degraded = new Map<string, boolean>();
  const addr = (h: string) => `198.18.0.1${Number(h.slice(2))}`;
  const host = (a: string) => `cp${Number(a.slice(-1))}`;
  let counted = 0;
  const wrapped = aroundExec(target, async (run, kind, a: Action) => {
    const r = await run();
    if (a.kind === 'degrade-net') degraded.set(a.host, (o.effective ?? true) && a.spec.degraded);
    if (a.kind === 'undegrade-net') degraded.delete(a.host);
    if (a.kind === 'peer-rtt') {
      const lines = a.peers.flatMap((p) => {
        const added = ((degraded.get(a.host) ? 100 : 0) + (degraded.get(host(p.address)) ? 100 : 0)) / 1000;
        return Array.from(
          { length: a.samples },
          (_, i) => `${p.address} 0.004 ${0.0045 + 0.0001 * i + added}`,
        );
      });
      return ok(`${lines.join('\n')}\n`, a.host);
    }
    if (a.kind === 'net-degrade-state') {
      if (!degraded.has(a.host))
        return { ...ok('', a.host), code: 3, stderr: 'no network degradation on this host' };
      counted += o.packetsPerRead ?? 150;
      const dropped = Math.floor(counted * (o.dropRatio ?? 0.05));
      return ok(`method=proxy counted=${counted} dropped=${dropped} proxy=77\n`, a.host);
    }
    void kind;
    return r;
  });
  return { target, wrapped, addr };
}

t.test('one member: every host told, the round trips from it grow by its delay: proven', async (t) => {
  const { target, wrapped } = links();
  const out = await netDegradeFault(opts()).inject({ target: wrapped, nowMs: () => performance.now() });
  t.equal(out.effect, true, out.effect ? '' : out.reason);
  if (out.effect && out.proof.kind === 'link-degraded') {
    t.equal(out.proof.host, 'cp1');
    t.equal(out.proof.method, 'proxy');
    t.same(
      out.proof.rtt.map((r) => [r.from, r.to, r.expectedAddedMs, r.baselineS, r.degradedS]),
      [
        ['cp1', 'cp2', 100, 0.0006, 0.1006],
        ['cp1', 'cp3', 100, 0.0006, 0.1006],
      ],
    );
    t.equal(out.proof.packets, undefined, 'no loss asked: no counters in the proof');
  } else t.fail('a link-degraded proof');
  t.same(target.log, [
    'peer-rtt cp1',
    'degrade-net cp1',
    'degrade-net cp2',
    'degrade-net cp3',
    'peer-rtt cp1',
    'net-degrade-state cp1',
  ]);
  t.ok(
    out.effect && out.effectAt && out.effectAt.atMs > 0,
    "the effect is placed at the degraded host's command",
  );
});

t.test("all members: each link gains both ends' delay", async (t) => {
  const o = opts({ members: members(['cp1', 'cp2', 'cp3']), delayMs: 50 });
  t.equal(addedRttMs(o, o.members[0]!, o.members[1]!), 100);
  const { wrapped } = links();
  // The model adds 100 ms per degraded end whatever the delay: 200 ms ≥ 70 % of 100 ms.
  const out = await netDegradeFault(o).inject({ target: wrapped });
  t.equal(out.effect, true);
  if (out.effect && out.proof.kind === 'link-degraded') {
    t.equal(out.proof.host, 'cp1,cp2,cp3');
    t.same(
      out.proof.rtt.map((r) => r.expectedAddedMs),
      [100, 100],
    );
  }
});

t.test('installed but the round trips do not grow: no effect, with what was measured', async (t) => {
  const { wrapped } = links({ effective: false });
  const out = await netDegradeFault(opts()).inject({ target: wrapped });
  t.equal(out.effect, false);
  if (!out.effect)
    t.match(
      out.reason,
      /the round trips do not show it: cp1→cp2 0\.6 ms before, 0\.6 ms after \(expected \+100 ms\)/,
    );
});

t.test(
  'loss: proven once enough packets were counted and some dropped; the loss seen is reported',
  async (t) => {
    const { wrapped } = links({ packetsPerRead: 150, dropRatio: 0.05 });
    const out = await netDegradeFault(opts({ lossPct: 5 })).inject({ target: wrapped });
    t.equal(out.effect, true, out.effect ? '' : out.reason);
    if (out.effect && out.proof.kind === 'link-degraded') {
      t.ok((out.proof.packets ?? 0) >= packetsForLoss(5), `${out.proof.packets} packets counted`);
      t.ok((out.proof.dropped ?? 0) > 0);
      t.equal(out.proof.observedLossPct, 5);
    }
    t.equal(packetsForLoss(5), 200);
    t.equal(packetsForLoss(0.5), 1200, 'rare loss needs more packets to expect 6 drops');
  },
);

t.test('loss asked but nothing dropped: no effect, and the counters said', async (t) => {
  const { wrapped } = links({ packetsPerRead: 150, dropRatio: 0 });
  const out = await netDegradeFault(opts({ lossPct: 5, proofTimeoutMs: 1500 })).inject({ target: wrapped });
  t.equal(out.effect, false);
  if (!out.effect) t.match(out.reason, /the loss rule is installed but 0 of \d+ peer packets were dropped/);
});

t.test('a host that cannot (no netem, a foreign qdisc): no effect with its words', async (t) => {
  const { target } = links();
  const wrapped = aroundExec(target, async (run, kind) =>
    kind === 'degrade-net'
      ? {
          ...(await run()),
          code: 3,
          stderr: 'tc netem failed on eth0: unknown qdisc (load the sch_netem module)',
        }
      : kind === 'peer-rtt'
        ? ok('198.18.0.12 0.004 0.005\n198.18.0.13 0.004 0.005\n', 'cp1')
        : run(),
  );
  const out = await netDegradeFault(opts()).inject({ target: wrapped });
  t.same(out, {
    effect: false,
    reason: 'tc netem failed on eth0: unknown qdisc (load the sch_netem module)',
  });
});

t.test('a peer that does not answer before the injection: no effect, nothing injected', async (t) => {
  const { target } = links();
  const wrapped = aroundExec(target, async (run, kind) =>
    kind === 'peer-rtt' ? ok('198.18.0.12 fail\n198.18.0.13 0.004 0.005\n', 'cp1') : run(),
  );
  const out = await netDegradeFault(opts()).inject({ target: wrapped });
  t.equal(out.effect, false);
  if (!out.effect)
    t.match(out.reason, /no round trip to the etcd peer 198\.18\.0\.12 from cp1 before the injection/);
  t.notOk(
    target.log.some((l) => l.startsWith('degrade-net')),
    'nothing degraded',
  );
});

t.test('heal: every host, idempotent; the plan names every step', async (t) => {
  const { target, wrapped } = links();
  const f = netDegradeFault(opts({ lossPct: 5 }));
  t.match(await f.heal({ target: wrapped }), /^cp1: .*; cp2: .*; cp3: /);
  await f.heal({ target: wrapped });
  t.same(
    target.log.filter((l) => l.startsWith('undegrade-net')),
    [
      'undegrade-net cp1',
      'undegrade-net cp2',
      'undegrade-net cp3',
      'undegrade-net cp1',
      'undegrade-net cp2',
      'undegrade-net cp3',
    ],
  );
  const plan = f.plan(wrapped);
  t.same(
    plan.map((s) => `${s.step} ${s.host}`),
    [
      'inject cp1',
      'inject cp1',
      'inject cp2',
      'inject cp3',
      'prove cp1',
      'prove cp1',
      'heal cp1',
      'heal cp2',
      'heal cp3',
      'verify-heal cp1',
      'verify-heal cp2',
      'verify-heal cp3',
    ],
  );
  t.match(plan[1]!.expect, /what cp1 sends to its peers: \+100 ms, 5% loss; the host removes it after 60 s/);
  t.match(plan[2]!.expect, /the delay of the degraded peers on cp2's own connections/);
});

t.test('each host gets its own flag and the others as peers', async (t) => {
  const o = opts({ members: members(['cp2']) });
  const s = specFor(o, o.members[0]!);
  t.equal(s.degraded, false);
  t.same(
    s.peers.map((p) => [p.address, p.degraded]),
    [
      ['198.18.0.12', true],
      ['198.18.0.13', false],
    ],
  );
  t.throws(() => netDegradeFault(opts({ members: members([]) })), /no member is degraded/);
});
