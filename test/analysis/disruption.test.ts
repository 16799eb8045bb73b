/**
 * api_disruption_s and lease_holder_changes from synthetic timelines: failed time per connection
 * kind (sent → next sent), the worse kind as the total, each control plane's share from the
 * fault's `restarted` proof; the rolling-restart windows and findings from the shutdown delay and
 * from stacked etcd members.
 */
import t from 'tap';
import {
  disruptionWindow,
  readyzDetectionS,
  shutdownDelayFinding,
  stackedEtcdFinding,
  stackedEtcdWindow,
} from '../../scenarios/rolling-restart.ts';
import {
  apiDisruption,
  etcdRestartDisruption,
  hostWindows,
  leaseHolderChanges,
} from '../../src/analysis/disruption.ts';
import type { RestartStep } from '../../src/timeline/events.ts';
import { Timeline } from './synthetic.ts';

const step = (host: string, component: string, fromMs: number, readyMs: number): RestartStep => ({
  host,
  component,
  oldPid: 1,
  newPid: 2,
  fromMs,
  readyMs,
});

function rolling(): Timeline {
  const steps = [
    step('cp1', 'kube-apiserver', 1000, 3000),
    step('cp1', 'etcd', 3000, 4000),
    step('cp2', 'kube-apiserver', 5000, 7000),
    step('cp3', 'kube-apiserver', 8000, 9000),
  ];
  return (
    new Timeline()
      // new connections fail 2.0–2.5 s (cp1) and 6.0–6.2 s (cp2); keep-alive 2.0–2.1 s.
      .lb(0, 12_000, (x) => !((x >= 2000 && x < 2500) || (x >= 6000 && x < 6200)), 100, 'new')
      .lb(0, 12_000, (x) => !(x >= 2000 && x < 2100), 100, 'keepalive')
      .add(1000, { type: 'fault.invoke', fault: 'rolling-restart', target: { host: 'cp1,cp2,cp3' } })
      .add(9000, {
        type: 'fault.proof',
        fault: 'rolling-restart',
        proof: { kind: 'restarted', host: 'cp1,cp2,cp3', steps },
      })
      .add(11_000, { type: 'heal.invoke', fault: 'rolling-restart' })
  );
}

t.test('failed time through the LB: the worse connection kind, per control plane', async (t) => {
  const r = apiDisruption(rolling().events, 1000);
  t.equal(r.value, 0.7, '5 + 2 failed new-connection requests, 100 ms apart');
  t.match(r.detail, /new connections 0\.700 s \(7 failed\), keepalive connections 0\.100 s \(1 failed\)/);
  t.match(r.detail, /per control plane \(new\): cp1 0\.500 s, cp2 0\.200 s, cp3 0\.000 s/);
  t.match(r.detail, /by restart: kube-apiserver on cp1 0\.500 s, kube-apiserver on cp2 0\.200 s/);
});

t.test("one component's share: what began while it restarted", async (t) => {
  // cp1's etcd restart (3.0–4.0 s) with failures at 3.2–3.5 s; the apiserver ones as above.
  const tl = rolling();
  const only = new Timeline();
  only.events.push(...tl.events.filter((e) => !(e.type === 'api.request' && e.connection === 'new')));
  only.lb(0, 12_000, (x) => !((x >= 2000 && x < 2500) || (x >= 3200 && x < 3500)), 100, 'new');
  const api = apiDisruption(only.events, 1000, 'kube-apiserver');
  t.equal(api.value, 0.5, 'the apiserver restart on cp1: 2.0–2.5 s');
  // New connections only: the kept-alive one that broke at 2.0 s is in the detail, not the value.
  const fresh = apiDisruption(only.events, 1000, 'kube-apiserver', 'new');
  t.equal(fresh.value, 0.5);
  t.match(
    fresh.detail,
    /keepalive connections 0\.100 s \(1 failed\) while kube-apiserver restarted \(judged: new connections\)/,
  );
  t.equal(apiDisruption(only.events, 1000, 'kube-apiserver', 'keepalive').value, 0.1);
  t.match(api.detail, /while kube-apiserver restarted.*by restart: kube-apiserver on cp1 0\.500 s/);
  const etcd = apiDisruption(only.events, 1000, 'etcd');
  t.equal(etcd.value, 0.3, "cp1's etcd restart: 3.2–3.5 s");
  t.equal(apiDisruption(only.events, 1000).value, 0.8, 'the total');
  t.match(apiDisruption(only.events, 1000, 'kube-scheduler'), {
    value: null,
    detail: /no restart of kube-scheduler/,
  });
});

t.test('etcd_restart_disruption_s: what began while a member restarted, on new connections', async (t) => {
  const tl = rolling();
  const only = new Timeline();
  only.events.push(...tl.events.filter((e) => !(e.type === 'api.request' && e.connection === 'new')));
  only.lb(0, 12_000, (x) => !((x >= 2000 && x < 2500) || (x >= 3200 && x < 3500)), 100, 'new');
  const r = etcdRestartDisruption(only.events, 1000);
  t.equal(r.value, 0.3, "cp1's etcd restart: 3.2–3.5 s, not the apiserver's 2.0–2.5 s");
  t.match(r.detail, /while etcd restarted \(judged: new connections\).*by restart: etcd on cp1 0\.300 s/);
  // External etcd: the plan restarts no member; nothing can fail because of one.
  const external = new Timeline()
    .lb(0, 6000, (x) => !(x >= 2000 && x < 2500), 100, 'new')
    .add(1000, { type: 'fault.invoke', fault: 'rolling-restart', target: { host: 'cp1' } })
    .add(4000, {
      type: 'fault.proof',
      fault: 'rolling-restart',
      proof: { kind: 'restarted', host: 'cp1', steps: [step('cp1', 'kube-apiserver', 1000, 3000)] },
    })
    .add(5000, { type: 'heal.invoke', fault: 'rolling-restart' });
  t.match(etcdRestartDisruption(external.events, 1000), {
    value: 0,
    detail: /restarted no etcd member \(kube-apiserver\): etcd is not on the control planes/,
  });
  t.same(etcdRestartDisruption(new Timeline().events, 0).value, null, 'no request: unknown');
});

t.test('the stacked-etcd window and finding follow the LB checks and the readiness timeout', async (t) => {
  const lb = { checkInterMs: 2000, fall: 2, checkTimeoutMs: 3000 };
  t.match(stackedEtcdWindow(lb, 3), { min: 0, max: 18 }, '3 × (4 s detection + 2 s readiness timeout)');
  t.match(
    stackedEtcdWindow({ ...lb, checkTimeoutMs: 1000 }, 3),
    { max: 15 },
    "the LB's check timeout when shorter",
  );
  t.match(stackedEtcdWindow(lb, 0), { max: 0 }, 'no stacked member: nothing');
  t.match(
    stackedEtcdWindow(lb, 5)?.formula,
    /5 stacked etcd member restarts × \(LB \/readyz detection 4 .* \+ the etcd readiness check's wait 2\)/,
  );
  t.equal(stackedEtcdWindow({}, 3), undefined, 'no LB timings: no window');
  t.match(
    stackedEtcdWindow({}, 0, 3),
    { min: 0, max: 0, formula: /3 external etcd member restarts/ },
    'external members only: none expected, whatever the LB',
  );
  const f = stackedEtcdFinding(lb, 3);
  t.match(f, { id: 'stacked-etcd-restart', severity: 'warning' });
  t.match(
    f.message,
    /local member only.*127\.0\.0\.1:2379.*up to 6 s per restart \(expected etcd_restart_disruption_s \[0, 18\]\).*api_disruption_s ≤ 0 fails.*state drain/,
  );
  t.match(stackedEtcdFinding({}, 3).message, /its check timings are unknown/);
});

t.test('no failure: 0; no request: unknown', async (t) => {
  const tl = new Timeline().lb(0, 5000, () => true);
  t.equal(apiDisruption(tl.events, 1000).value, 0);
  t.same(apiDisruption(new Timeline().events, 0).value, null);
});

t.test("a host's share runs from its first restart to the next host's first", async (t) => {
  t.same(hostWindows([step('a', 'x', 10, 20), step('a', 'y', 20, 30), step('b', 'x', 40, 50)], 99), [
    { host: 'a', fromMs: 10, toMs: 40 },
    { host: 'b', fromMs: 40, toMs: 99 },
  ]);
});

t.test('leader Lease moves during the fault', async (t) => {
  const lease = (name: string, holderIdentity: string | null) => ({
    type: 'lease' as const,
    namespace: 'kube-system',
    name,
    holderIdentity,
  });
  const tl = new Timeline()
    .add(0, lease('kube-controller-manager', 'cp1_a'))
    .add(0, lease('kube-scheduler', 'cp2_b'))
    .add(2000, lease('kube-controller-manager', null))
    .add(3000, lease('kube-controller-manager', 'cp2_c'))
    .add(4000, lease('kube-scheduler', 'cp2_b'))
    .add(5000, { type: 'heal.invoke', fault: 'x' })
    .add(6000, lease('kube-scheduler', 'cp3_d'));
  const r = leaseHolderChanges(tl.events, 1000);
  t.equal(r.value, 1);
  t.match(r.detail, /kube-controller-manager: cp1_a → cp2_c/);
  t.same(leaseHolderChanges(new Timeline().events, 0).value, null);
});

t.test('the window and the finding follow the shutdown delay and the LB checks', async (t) => {
  const lb = { checkInterMs: 2000, fall: 2 };
  t.equal(readyzDetectionS(lb), 4, 'inter + (fall − 1) × fastinter (= inter)');
  t.equal(readyzDetectionS({ ...lb, checkFastinterMs: 500 }), 2.5);
  t.match(disruptionWindow({ ...lb, shutdownDelayS: 0 }, 3), { min: 0, max: 12 });
  t.match(disruptionWindow({ ...lb, shutdownDelayS: 1 }, 3), { min: 0, max: 9 });
  t.match(disruptionWindow({ ...lb, shutdownDelayS: 10 }, 3), { min: 0, max: 0 });
  t.equal(disruptionWindow({ shutdownDelayS: 0 }, 3), undefined, 'no LB timings: no window');
  const f = shutdownDelayFinding({ ...lb, shutdownDelayS: 0 }, 3);
  t.match(f, { id: 'shutdown-delay-short', severity: 'warning' });
  t.match(
    f?.message,
    /shutdown-delay-duration 0 s is shorter than the LB's detection of a failing \/readyz \(4 s\).*up to 4 s.*\[0, 12\].*at least 4 s/,
  );
  t.equal(shutdownDelayFinding({ ...lb, shutdownDelayS: 4 }, 3), undefined, 'long enough: no finding');
});
