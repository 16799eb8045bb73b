/**
 * Expected windows at their boundaries, on synthetic timelines: graceful vs hard stop (VRRP,
 * endpoints), transitioning haproxy servers (fastinter), Envoy's checker, effective priority.
 */
import t from 'tap';
import { apiserverKill } from '../../scenarios/apiserver-kill.ts';
import { lbStop } from '../../scenarios/lb-stop.ts';
import { analyze } from '../../src/analysis/analyze.ts';
import {
  endpointRemovalWindow,
  evictionWindow,
  expectedWindow,
  lbFailoverWindow,
  skewTime,
  vrrpWindow,
  withOutside,
} from '../../src/analysis/expected.ts';
import type { ScenarioContext } from '../../src/runner/scenario.ts';
import type { TimingInputs } from '../../src/targets/defaults.ts';
import { effectivePriority, keepalivedTimings } from '../../src/targets/kubeadm-profile-timings.ts';
import { scenarioContext } from './context.ts';
import { Timeline } from './synthetic.ts';

const SEEDS_LB: TimingInputs = {
  checkInterMs: 2000,
  fall: 2,
  checkTimeoutMs: 3000,
  checkConnectTimeoutMs: 5000,
};
const inside = (w: { min: number; max: number } | undefined, v: number) =>
  w !== undefined && withOutside({ ...w, formula: '' }, v).outside === false;

t.test(
  'haproxy: the next check starts inter after the previous completes, fastinter while transitioning',
  (t) => {
    // seeds: 2 + (2 − 1) × 2 + 2 × (min(5, 2) + 3) = 14 s (a hung backend)
    t.match(lbFailoverWindow(SEEDS_LB), { min: 0, max: 14 });
    t.match(lbFailoverWindow(SEEDS_LB)?.formula, /fastinter 2000/);
    // fastinter shortens the gaps after the first failure only
    t.equal(
      lbFailoverWindow({ ...SEEDS_LB, fall: 3, checkFastinterMs: 500 })?.max,
      (2000 + 2 * 500 + 3 * 5000) / 1000,
    );
    // timeout connect below inter bounds the connect phase
    t.equal(
      lbFailoverWindow({ ...SEEDS_LB, checkConnectTimeoutMs: 1000 })?.max,
      (2000 + 2000 + 2 * 4000) / 1000,
    );
    // no `timeout check`: a whole check is bounded by inter
    t.equal(lbFailoverWindow({ checkInterMs: 2000, fall: 3 })?.max, (2000 + 2 * 2000 + 3 * 2000) / 1000);
    // the fast preset's etcd-partition run: 4.676 s exceeded fall × (inter + timeout) = 4 s, not this
    const fast = lbFailoverWindow({
      checkInterMs: 1000,
      fall: 2,
      checkTimeoutMs: 1000,
      checkConnectTimeoutMs: 5000,
    });
    t.equal(fast?.max, 6);
    t.ok(inside(fast, 4.676));
    t.end();
  },
);

t.test('Envoy as kind writes it: the timeout covers the whole check', (t) => {
  const kind: TimingInputs = { checkInterMs: 2000, checkTimeoutMs: 3000, fall: 2, lbChecker: 'envoy' };
  t.match(lbFailoverWindow(kind), { min: 0, max: 2 + 2 + 2 * 3 });
  t.match(lbFailoverWindow(kind)?.formula, /^Envoy: /);
  t.equal(lbFailoverWindow({ ...kind, checkFastinterMs: 500 })?.max, 2 + 0.5 + 6);
  t.end();
});

t.test('VRRP: v2 skew ignores advert_int, v3 scales it; graceful stop waits for skew only', (t) => {
  t.equal(skewTime({ advertIntS: 3, priority: 100 }), 156 / 256, 'v2 (keepalived default)');
  t.equal(skewTime({ advertIntS: 3, priority: 100, vrrpVersion: 3 }), (156 / 256) * 3, 'v3');
  const hard = vrrpWindow({ advertIntS: 3, priority: 100 })!;
  t.same([hard.min, hard.max], [6 + 156 / 256, 12 + 156 / 256]);
  const soft = vrrpWindow({ advertIntS: 1, priority: 100 }, { gracefulStop: true })!;
  t.same([soft.min, soft.max], [156 / 256, 1 + 156 / 256]);
  t.ok(
    inside(soft, 0.7) && !inside(hard, 0.7),
    'a takeover 0.7 s after a TERM: inside only the graceful window',
  );
  t.end();
});

t.test('effective priority: positive weights of passing tracked scripts count, negative ones do not', (t) => {
  const conf = (prio: number, weight: number, trackWeight = '') =>
    `vrrp_script chk {\n  script "/bin/true"\n  weight ${weight}\n}\nvrrp_instance VI_1 {\n  priority ${prio}\n  advert_int 1\n  track_script {\n    chk${trackWeight}\n  }\n}\n`;
  t.equal(effectivePriority(conf(100, -2)), 100, 'guide: weight −2 applies only while the check fails');
  t.equal(effectivePriority(conf(100, 20)), 120);
  t.equal(effectivePriority(conf(100, 2, ' weight 50')), 150, 'track_script weight overrides the script');
  t.equal(effectivePriority(conf(250, 20)), 254, 'clamped below the owner priority');
  t.equal(effectivePriority(conf(255, -20)), 255, 'an address owner keeps 255');
  const k = keepalivedTimings([conf(101, 20), conf(100, 20), 'global_defs {\n  vrrp_version 3\n}\n']);
  t.same(k, { advertIntS: 1, priority: 120, vrrpVersion: 3 }, 'the backup: second highest effective');
  t.equal(vrrpWindow(k)?.min, 2 + (136 / 256) * 1);
  t.end();
});

t.test('endpoint removal: TTL − interval for a KILL, from 0 for a TERM, + watch delivery', (t) => {
  const ep = { masterLeaseTtlS: 15, endpointReconcileIntervalS: 10 };
  t.match(endpointRemovalWindow(ep), { min: 5, max: 30 });
  t.match(endpointRemovalWindow(ep, { gracefulStop: true }), { min: 0, max: 30 });
  t.end();
});

t.test('eviction: the NoExecute taint comes one monitor pass after NotReady', (t) => {
  const w = evictionWindow({
    nodeMonitorGracePeriodS: 40,
    nodeMonitorPeriodS: 5,
    nodeLeaseRenewIntervalS: 10,
    tolerationSeconds: 300,
  })!;
  t.same([w.min, w.max], [30 + 5 + 300, 50 + 5 + 300 + 0.1]);
  t.notOk(inside(w, 331), 'NotReady.min + toleration alone is too early');
  t.end();
});

/** lb-stop: VIP moves at `moveMs` after a fault at 10 s, LB requests fail from `failFromMs`. */
function lbStopRun(moveMs: number, failFromMs: number) {
  const tl = new Timeline();
  tl.add(9_000, { type: 'vip', vip: '198.18.0.10', holder: 'lb1' } as never, 'vip');
  tl.fault(10_000, { host: 'lb1' }, 'lb-stop');
  tl.lb(5_000, 10_000 + moveMs + 5_000, (at) => at < failFromMs || at >= 10_000 + moveMs);
  tl.add(10_000 + moveMs, { type: 'vip', vip: '198.18.0.10', holder: 'lb2' } as never, 'vip');
  return tl.events;
}

const lbStopCtx = (signal: 'KILL' | 'TERM', variant = 'services') => {
  const timings: TimingInputs = { advertIntS: 1, priority: 100, ...SEEDS_LB };
  const sc = { options: { signal, variant }, timings } as unknown as ScenarioContext;
  return { ...scenarioContext('lb-stop', { timings }), ...lbStop.analysis?.(sc, undefined as never) };
};

t.test('lb-stop services: the signal picks the window (analysis on synthetic timelines)', (t) => {
  const byName = (ms: ReturnType<typeof analyze>) => Object.fromEntries(ms.map((m) => [m.name, m]));
  // TERM: priority 0, the backup takes over after skew (0.61 s); the probe sees it at 0.7 s
  const term = byName(analyze(lbStopRun(700, 10_000), lbStopCtx('TERM')));
  t.match(term.vip_takeover_s, { value: 0.7, expected: { outside: false } });
  const termAsKill = byName(analyze(lbStopRun(700, 10_000), lbStopCtx('KILL')));
  t.match(
    termAsKill.vip_takeover_s,
    { value: 0.7, expected: { outside: true } },
    'hard-stop window rejects it',
  );
  // KILL: takeover at 2.7 s; haproxy died 0.7 s after keepalived: lb_failover_s 2.0 s is inside
  const kill = byName(analyze(lbStopRun(2_700, 10_700), lbStopCtx('KILL')));
  t.match(kill.vip_takeover_s, { value: 2.7, expected: { outside: false } });
  t.match(kill.lb_failover_s, { value: 2, expected: { min: 0, outside: false } });
  t.end();
});

t.test('apiserver-kill: TERM removes the endpoint at once, KILL waits for the lease', (t) => {
  const sc = (signal: 'KILL' | 'TERM') => ({ options: { signal } }) as unknown as ScenarioContext;
  const rule = (signal: 'KILL' | 'TERM') => apiserverKill.analysis?.(sc(signal), undefined as never).windows;
  const ep = { masterLeaseTtlS: 15, endpointReconcileIntervalS: 10 };
  t.equal(expectedWindow('endpoint_removal_s', ep, {}, rule('TERM'))?.min, 0);
  t.equal(expectedWindow('endpoint_removal_s', ep, {}, rule('KILL'))?.min, 5);
  t.end();
});
