/**
 * The fsync-delay fault on the scripted target: the proof reads the WAL fsync histogram once the
 * injector attached and waits until the calls since then average at least 80 % of the delay; a
 * histogram that does not move is no effect (said with what it saw); a member someone else traces
 * is no effect and nothing is attached; the heal detaches on every host.
 */
// hadrill-test: unit waits (alone: 1.9 s of wall time, 0.5 s of CPU; scripts/run-files.mjs)
import t from 'tap';
import { fsyncDelayFault, sinceReading } from '../../src/faults/fsync-delay.ts';
import { FakeTarget, fakeTopology } from './fake-target.ts';

const fake = () =>
  new FakeTarget(fakeTopology(), { running: new Set(), data: new Set(), snapshots: new Set() });
const fault = (hosts = ['cp1'], proofTimeoutMs = 3000) =>
  fsyncDelayFault({
    members: hosts.map((h) => ({ host: h, member: h })),
    delayMs: 100,
    forS: 60,
    proofTimeoutMs,
  });

t.test('proven once the calls since the injection are slow enough', async (t) => {
  const target = fake();
  let reads = 0;
  // Attached after the 2nd read (the pre-check reads once); then 5 calls of 0.11 s each.
  target.fsyncMetrics = () => (++reads <= 2 ? '0.05 10' : `${0.05 + 0.11 * 5} 15`);
  const out = await fault().inject({ target, nowMs: () => performance.now() });
  t.equal(out.effect, true);
  if (out.effect && out.proof.kind === 'syscall-delayed') {
    t.equal(out.proof.samples, 5);
    t.equal(out.proof.observedMeanS, 0.11);
    t.same(out.proof.syscalls, ['fsync', 'fdatasync']);
    t.same(out.proof.tracerPids, [5001]);
  } else t.fail('a syscall-delayed proof');
  t.same(target.log.slice(0, 3), ['fsync-delay-state cp1', 'etcd-fsync-metrics cp1', 'delay-fsync cp1']);
});

t.test('a histogram that does not show the delay: no effect, and what it saw', async (t) => {
  const target = fake();
  target.fsyncMetrics = () => '0.05 10';
  const out = await fault(['cp1'], 1200).inject({ target });
  t.match(out, { effect: false, reason: /does not show the 100 ms delay \(cp1: 0 calls, mean 0\.0 ms\)/ });
});

t.test("someone else's tracer: no effect, nothing attached", async (t) => {
  const target = fake();
  target.foreignTracer = true;
  const out = await fault(['cp1', 'cp2']).inject({ target });
  t.equal(out.effect, false);
  t.notOk(
    target.log.some((l) => l.startsWith('delay-fsync')),
    'no injector started',
  );
});

t.test('every member: each host attached and proven; the heal detaches each', async (t) => {
  const target = fake();
  const reads = new Map<string, number>();
  target.fsyncMetrics = (h) => {
    const n = (reads.get(h) ?? 0) + 1;
    reads.set(h, n);
    return n <= 2 ? '0 0' : '1.2 10';
  };
  const out = await fault(['cp1', 'cp2', 'cp3']).inject({ target });
  t.match(out, { effect: true, proof: { host: 'cp1,cp2,cp3', samples: 10, observedMeanS: 0.12 } });
  target.log.length = 0;
  t.match(await fault(['cp1', 'cp2', 'cp3']).heal({ target }), /cp1: .*; cp2: .*; cp3: /);
  t.same(target.log, ['undelay-fsync cp1', 'undelay-fsync cp2', 'undelay-fsync cp3']);
});

t.test('mean and count between two readings', async (t) => {
  t.same(sinceReading({ sumS: 1, count: 10 }, { sumS: 2, count: 20 }), { samples: 10, meanS: 0.1 });
  t.same(sinceReading({ sumS: 1, count: 10 }, { sumS: 1, count: 10 }), { samples: 0, meanS: 0 });
});
