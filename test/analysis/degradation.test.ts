/**
 * The degradation measurements from synthetic timelines: percentiles over the fault window only,
 * failed requests above every success (a percentile on one is a lower bound), leader changes as
 * new raft terms with a leader, /readyz OK → failing transitions.
 */
import t from 'tap';
import {
  apiLatency,
  faultWindow,
  latencyPercentile,
  leaderChanges,
  readyzFlaps,
  writeLatency,
} from '../../src/analysis/degradation.ts';
import { Timeline } from './synthetic.ts';

const healAt = (tl: Timeline, atMs: number) => tl.add(atMs, { type: 'heal.invoke', fault: 'fsync-delay' });
const ack = (tl: Timeline, atMs: number, latencyMs: number, seq = atMs) =>
  tl.add(atMs, { type: 'write.ack', seq, object: `w-${seq}`, latencyMs });

t.test('the fault window: effect to the heal, else to the last event', async (t) => {
  const tl = new Timeline();
  ack(tl, 500, 1);
  ack(tl, 9000, 1);
  t.same(faultWindow(tl.events, 1000), { fromMs: 1000, toMs: 9000, healed: false });
  healAt(tl, 5000);
  t.same(faultWindow(tl.events, 1000), { fromMs: 1000, toMs: 5000, healed: true });
});

t.test('write latency: nearest-rank over the writes inside the window', async (t) => {
  const tl = new Timeline();
  ack(tl, 100, 3); // before the fault: not counted
  for (let i = 1; i <= 100; i++) ack(tl, 1000 + i * 10, i === 100 ? 900 : 100 + i);
  healAt(tl, 2500);
  ack(tl, 3000, 5000); // after the heal: not counted
  const p50 = writeLatency(tl.events, 1000, 50);
  t.equal(p50.value, 0.15, 'p50: the 50th of 100 sorted latencies (150 ms)');
  t.notOk(p50.lowerBound);
  t.match(p50.detail, /p50 of 100 writes through the LB during the fault/);
  t.equal(writeLatency(tl.events, 1000, 99).value, 0.199, 'p99: the 99th (199 ms), not the 900 ms outlier');
  t.equal(writeLatency(tl.events, 1000, 100).value, 0.9);
});

t.test('a failed write sorts above every success: a percentile on one is a lower bound', async (t) => {
  const tl = new Timeline();
  for (let i = 0; i < 9; i++) ack(tl, 1000 + i * 100, 20, i);
  tl.add(2000, { type: 'write.fail', seq: 9, object: 'w-9', error: 'timeout', latencyMs: 1000 });
  const p99 = writeLatency(tl.events, 1000, 99);
  t.equal(p99.value, 1);
  t.equal(p99.lowerBound, true);
  t.match(p99.detail, /1 failed.*the percentile is a failed one \(at least 1000 ms/);
  const p50 = writeLatency(tl.events, 1000, 50);
  t.equal(p50.value, 0.02);
  t.notOk(p50.lowerBound);
  // A write that failed fast (7 ms) is still at least as slow as every success.
  const fast = new Timeline();
  ack(fast, 1000, 300, 1);
  fast.add(1100, { type: 'write.fail', seq: 2, object: 'w-2', error: 'HTTP 500', latencyMs: 7 });
  t.match(writeLatency(fast.events, 1000, 99), { value: 0.3, lowerBound: true });
});

t.test('nothing to measure: no value, and says why', async (t) => {
  t.same(latencyPercentile([], 99, 'writes'), { value: null, detail: 'no writes during the fault' });
});

t.test('API latency: requests through the LB only, both connections', async (t) => {
  const tl = new Timeline();
  tl.lb(1000, 2000, () => true, 100, 'new').lb(1000, 2000, () => true, 100, 'keepalive');
  tl.add(1500, { type: 'api.request', target: '198.18.0.11', connection: 'new', ok: true, latencyMs: 9999 });
  const p99 = apiLatency(tl.events, 1000, 99);
  t.equal(p99.value, 0.005, 'the direct request to one apiserver is not counted');
  t.match(p99.detail, /of 20 API requests through the LB/);
});

t.test('leader changes: new raft terms with a leader after the fault', async (t) => {
  const st = (member: string, raftTerm: number, leader: string | null) => ({
    type: 'etcd.status' as const,
    member,
    raftTerm,
    leader,
  });
  const tl = new Timeline();
  tl.add(0, st('cp1', 2, 'a')).add(10, st('cp2', 2, 'a'));
  t.match(leaderChanges(tl.events, 1000), { value: 0, detail: /no new leader term after term 2/ });
  tl.add(2000, st('cp2', 3, null)); // an election that elected no one yet
  tl.add(2500, st('cp2', 4, 'b')).add(2600, st('cp3', 4, 'b'));
  tl.add(4000, st('cp1', 5, 'a'));
  healAt(tl, 5000);
  tl.add(6000, st('cp1', 6, 'c')); // after the heal: not the fault's
  const r = leaderChanges(tl.events, 1000);
  t.equal(r.value, 2);
  t.match(r.detail, /term 2 → 4 \(leader b\), 5 \(leader a\)/);
  t.same(leaderChanges(new Timeline().events, 0).value, null, 'no status before the fault: unknown');
});

t.test('readyz flaps: OK → failing transitions during the fault, per apiserver', async (t) => {
  const rz = (apiserver: string, ok: boolean) => ({ type: 'readyz' as const, apiserver, ok });
  const tl = new Timeline();
  tl.add(0, rz('a', true)).add(0, rz('b', false));
  tl.add(1100, rz('a', false)).add(1200, rz('a', true)).add(1300, rz('a', false));
  tl.add(1400, rz('b', false)).add(1500, rz('b', true));
  healAt(tl, 2000);
  tl.add(2100, rz('b', false)); // after the heal
  const r = readyzFlaps(tl.events, 1000);
  t.equal(r.value, 2);
  t.match(r.detail, /a ×2/);
  t.same(readyzFlaps(new Timeline().events, 0).value, null);
});
