import t from 'tap';
import { analyze, measurementNames } from '../../src/analysis/analyze.ts';
import type { Measurement } from '../../src/analysis/types.ts';
import { scenarioContext } from './context.ts';
import { ALL_IPS, apiserverKillRun, Timeline } from './synthetic.ts';

const ctx = scenarioContext;
const byName = (ms: Measurement[]) => Object.fromEntries(ms.map((m) => [m.name, m]));

const TIMINGS = {
  masterLeaseTtlS: 15,
  endpointReconcileIntervalS: 10,
  checkInterMs: 2000,
  fall: 2,
  checkTimeoutMs: 3000,
};

t.test('apiserver-kill: every measurement from a realistic run', (t) => {
  const ms = byName(analyze(apiserverKillRun(), ctx('apiserver-kill', { timings: TIMINGS })));
  t.same(Object.keys(ms), [
    'lb_failover_s',
    'api_outage_s',
    'endpoint_removal_s',
    'rto_s',
    'rpo_lost_writes',
    'rpo_window_s',
  ]);
  t.match(ms.lb_failover_s, { value: 4, verdict: 'pass', expected: { min: 0, max: 14, outside: false } });
  t.match(ms.api_outage_s, { value: 4, verdict: 'pass' });
  t.match(ms.endpoint_removal_s, {
    value: 17.005,
    verdict: 'pass',
    expected: { min: 5, max: 30, outside: false },
  });
  t.match(ms.rto_s, { value: 4.5, verdict: 'pass', unit: 's' });
  t.match(ms.rpo_lost_writes, { value: 0, unit: 'writes', verdict: 'pass' });
  t.match(ms.rpo_window_s, { value: 0, verdict: 'pass' });
  for (const m of Object.values(ms)) t.equal(m.slo?.source, 'default');
  t.end();
});

t.test('wall-clock skew does not change any measurement (analysis uses atMs only)', (t) => {
  const build = (skew: number) => {
    const tl = new Timeline().skewWallFrom(12_000, skew);
    for (const e of apiserverKillRun()) {
      const { atMs, wallTime: _w, source, ...body } = e;
      tl.add(atMs, body as never, source);
    }
    return tl.events;
  };
  const skewed = build(-3_600_000);
  t.not(skewed.at(-1)?.wallTime, apiserverKillRun().at(-1)?.wallTime, 'wall time really jumped');
  t.same(analyze(skewed, ctx('apiserver-kill')), analyze(build(0), ctx('apiserver-kill')));
  t.end();
});

t.test('a fault that took effect after its invoke: every measurement starts at the effect', (t) => {
  const base = apiserverKillRun();
  const invoke = base.find((e) => e.type === 'fault.invoke')!;
  const tl = new Timeline();
  for (const e of base) {
    const { atMs, wallTime: _w, source, ...body } = e;
    tl.add(atMs, body as never, source);
  }
  // The same run, but the fault only took effect 1.25 s after it was invoked (a link the host
  // downs a second after the command): each duration is 1.25 s shorter.
  tl.add(
    invoke.atMs + 1250,
    { type: 'fault.effect', fault: 'apiserver-kill', how: 'seen from outside' },
    'fault',
  );
  const at = byName(analyze(tl.events, ctx('apiserver-kill', { timings: TIMINGS })));
  const from = byName(analyze(base, ctx('apiserver-kill', { timings: TIMINGS })));
  for (const name of ['endpoint_removal_s', 'rto_s'])
    t.equal(
      Math.round((at[name]!.value! + 1.25) * 1000),
      Math.round(from[name]!.value! * 1000),
      `${name}: ${from[name]!.value} s from the invoke, ${at[name]!.value} s from the effect`,
    );
  t.end();
});

t.test('fault that never took effect: unknown everywhere, no numbers', (t) => {
  const tl = new Timeline()
    .lb(0, 20_000, () => true)
    .add(10_000, {
      type: 'fault.invoke',
      fault: 'apiserver-kill',
      target: { host: 'cp2', ip: '198.18.0.12' },
    })
    .add(10_200, {
      type: 'fault.noeffect',
      fault: 'apiserver-kill',
      reason: 'process still running after SIGKILL',
    });
  const ms = analyze(tl.events, ctx('apiserver-kill'));
  t.equal(ms.length, 6);
  for (const m of ms) {
    t.equal(m.value, null);
    t.equal(m.verdict, 'unknown');
    t.match(m.message, /not observed: the fault did not take effect: process still running/);
  }
  const unproven = analyze(
    new Timeline().add(10, { type: 'fault.invoke', fault: 'x', target: { host: 'h' } }).events,
    ctx('leader-kill'),
  );
  t.match(unproven[0], { verdict: 'unknown', value: null, message: /no proof of effect/ });
  t.match(analyze([], ctx('lb-stop'))[0], { verdict: 'unknown', message: /no fault was injected/ });
  t.end();
});

t.test('endpoint removal: edge cases', (t) => {
  const base = () =>
    new Timeline()
      .lb(0, 40_000, () => true)
      .fault(10_000)
      .endpoints(2_000, ALL_IPS);
  const never = byName(analyze(base().events, ctx('apiserver-kill')));
  t.match(
    never.endpoint_removal_s,
    { value: 29.9, lowerBound: true, verdict: 'unknown' },
    'no change after the fault: still listed until the end of observation',
  );
  const stuck = byName(analyze(base().endpoints(30_000, ALL_IPS).events, ctx('apiserver-kill')));
  t.match(stuck.endpoint_removal_s, {
    value: 29.9,
    lowerBound: true,
    verdict: 'unknown',
    detail: /still listed at the end/,
  });
  const slow = byName(analyze(base().endpoints(45_000, ALL_IPS).events, ctx('apiserver-kill')));
  t.match(slow.endpoint_removal_s, { lowerBound: true, verdict: 'fail', message: /already violates < 30/ });
  const gap = base()
    .add(12_000, {
      type: 'watch.gap',
      watch: 'endpoints/kubernetes',
      fromMs: 11_000,
      toMs: 24_000,
      reason: '410 Gone, relisted',
    })
    .endpoints(24_000, ['198.18.0.11', '198.18.0.13']);
  t.match(byName(analyze(gap.events, ctx('apiserver-kill'))).endpoint_removal_s, {
    value: 14.005,
    detail: /after a watch gap 11.00 s–24.00 s: upper bound/,
  });
  const noIp = new Timeline().lb(0, 40_000, () => true).fault(10_000, { host: 'cp2' });
  t.match(byName(analyze(noIp.events, ctx('apiserver-kill'))).endpoint_removal_s, {
    value: null,
    detail: /IP is unknown/,
  });
  const viaCtx = byName(
    analyze(
      noIp.endpoints(2_000, ALL_IPS).endpoints(20_000, ['198.18.0.11']).events,
      ctx('apiserver-kill', { target: { ip: '198.18.0.12' } }),
    ),
  );
  t.equal(viaCtx.endpoint_removal_s?.value, 10.005, 'context target overrides the fault event');
  t.end();
});

t.test('RPO: lost writes and their window; HA expects zero', (t) => {
  const tl = new Timeline().lb(0, 30_000, () => true).fault(10_000);
  for (let s = 1; s <= 10; s++) tl.add(s * 1000 + 1, { type: 'write.ack', seq: s, object: `drill-${s}` });
  tl.add(11_500, { type: 'write.fail', seq: 11, object: 'drill-11', error: 'timeout' });
  tl.add(29_000, { type: 'readback', present: [1, 2, 3, 4, 5, 6, 9, 10], missing: [7, 8, 11] });
  const ms = byName(analyze(tl.events, ctx('apiserver-kill')));
  t.match(ms.rpo_lost_writes, {
    value: 2,
    verdict: 'fail',
    detail: /10 acknowledged, 2 missing at read-back \(seq 7–8\)/,
  });
  t.match(ms.rpo_window_s, { value: 1, verdict: 'fail' });
  const noReadback = byName(analyze(new Timeline().fault(10).events, ctx('apiserver-kill')));
  t.match(noReadback.rpo_lost_writes, { value: null, verdict: 'unknown', message: /no read-back/ });
  t.end();
});

t.test('etcd-restore RPO: exactly the post-snapshot writes are lost', (t) => {
  // Write 10 is sent at 10.001 s, before the snapshot, but acknowledged only 700 ms later (the
  // ack is stamped with its send time): it was in flight when the snapshot was taken.
  const mk = (missing: number[]) => {
    const tl = new Timeline().lb(0, 60_000, (x) => x < 20_000 || x >= 40_000);
    for (let s = 1; s <= 20; s++)
      tl.add(s * 1000 + 1, { type: 'write.ack', seq: s, object: `o${s}`, latencyMs: s === 10 ? 700 : 20 });
    tl.add(10_500, { type: 'snapshot.invoke', member: 'cp1' })
      .add(11_600, { type: 'snapshot.done', member: 'cp1', revision: 1234 })
      .fault(20_000, { host: 'cp1', member: 'cp1' }, 'etcd-restore');
    const present = Array.from({ length: 20 }, (_, i) => i + 1).filter((s) => !missing.includes(s));
    tl.add(59_000, { type: 'readback', present, missing });
    return byName(analyze(tl.events, ctx('etcd-restore')));
  };
  const post = Array.from({ length: 9 }, (_, i) => i + 12); // 12..20 acked after snapshot.done
  const exact = mk(post);
  t.match(exact.rpo_lost_writes, {
    value: 9,
    verdict: 'pass',
    expected: { min: 9, max: 11, outside: false },
  });
  t.match(exact.rpo_pre_snapshot_lost_writes, { value: 0, verdict: 'pass' });
  t.match(exact.rpo_window_s, { value: 8, slo: null, verdict: 'pass', message: /informational/ });
  t.match(exact.rto_s, { value: 20, verdict: 'pass' });
  t.match(
    mk([11, ...post]).rpo_lost_writes,
    { value: 10, verdict: 'pass' },
    'the write acked during the snapshot may go either way',
  );
  const inFlight = mk([10, ...post]);
  t.match(
    inFlight.rpo_pre_snapshot_lost_writes,
    { value: 0, verdict: 'pass', detail: /^9 write\(s\) acked before the snapshot/ },
    'a write sent before the snapshot but acknowledged after it is not a pre-snapshot write',
  );
  t.match(inFlight.rpo_lost_writes, { value: 10, verdict: 'pass', expected: { min: 9, max: 11 } });
  const extra = mk([3, ...post]);
  t.match(extra.rpo_lost_writes, { value: 10, verdict: 'pass' });
  t.match(
    extra.rpo_pre_snapshot_lost_writes,
    { value: 1, verdict: 'fail' },
    'a pre-snapshot write lost is caught separately',
  );
  t.match(
    mk(post.slice(1)).rpo_lost_writes,
    { value: 8, verdict: 'fail', expected: { outside: true } },
    'a post-snapshot write survived?!',
  );
  t.end();
});

t.test('measurement selection: SLOs + informational; single LB drops VIP takeover', (t) => {
  t.same(measurementNames(ctx('lb-stop')), [
    'lb_failover_s',
    'api_outage_s',
    'rto_s',
    'rpo_lost_writes',
    'vip_takeover_s',
  ]);
  t.notOk(measurementNames(ctx('lb-stop', { lbCount: 1 })).includes('vip_takeover_s'));
  t.same(measurementNames(ctx('leader-kill')), ['lease_reelection_s']);
  t.end();
});
