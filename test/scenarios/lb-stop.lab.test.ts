/**
 * lb-stop on the real lab (fast preset): the VIP holder's haproxy and keepalived SIGKILLed, then
 * its link down (the default variant). The backup takes the VIP within Master_Down_Interval, the API is back
 * within seconds, no acknowledged write is lost, and heal puts the LB back.
 */
// hadrill-test: lab late (npm test runs this file after the other default-lab ones: its heals end with a VIP failback)
import t from 'tap';
import { lbStop } from '../../scenarios/lb-stop.ts';
import { labForTest } from '../helpers/lab.ts';
import { detected, drill, inWindow } from './drill.ts';

const cfg = await labForTest(t, 'fast');
// The vip probe polls every 100 ms, plus `ip addr` in two namespaces: 0.5 s of resolution.
const PROBE_S = 0.5;

// services first: each heal gives the VIP back to lb1 (preemption, the vip-failback finding), and
// a watch that ran through lb2 meanwhile (w1's kubelet's pod watch) is left on a dead connection
// until the client's own idle timeout (client-node: 30 s without a byte). A killed haproxy resets
// every session it had, so its clients all re-open through lb2; behind a downed link only those
// that sent something while it was down do. After the services variant last, the next file's
// workload waited 17 s for w1's kubelet to see its pod in every suite run of 2026-12-03; with the
// link variant last it did in one run of three (leader-kill's setup 20 s instead of 1.2 s). So npm
// test runs this file after the other default-lab files (the `lab late` marker above).
for (const variant of ['services', 'link'] as const) {
  t.test(`variant ${variant}`, async (t) => {
    const d = await drill(t, cfg, lbStop, { variant });
    const { outcome, m } = d;
    detected(t, d);
    const r = outcome.result;
    t.equal(r.fault.status, 'proven');
    t.ok(outcome.healed && outcome.verify?.ok, 'healed, steady state again');
    if (variant === 'link') inWindow(t, m.vip_takeover_s, PROBE_S);
    else {
      // A killed keepalived sometimes still hands the VIP over at once (its VRRP child leaves
      // gracefully, priority 0), sometimes the backup waits Master_Down_Interval: only the upper
      // bound holds for both.
      const v = m.vip_takeover_s;
      t.ok(
        v?.value !== null && !v?.lowerBound && (v?.value ?? 99) <= (v?.expected?.max ?? 0) + PROBE_S,
        `vip_takeover_s = ${v?.value} ≤ ${v?.expected?.max} + ${PROBE_S}`,
      );
    }
    t.equal(m.api_outage_s?.verdict, 'pass', `API outage ${m.api_outage_s?.value} s < 30 s`);
    t.ok(
      (m.api_outage_s?.value ?? 99) <= (m.vip_takeover_s?.value ?? 0) + 2,
      'the outage ends soon after the VIP moved',
    );
    t.equal(m.rpo_lost_writes?.value, 0);
    t.notOk(
      r.findings.some((f) => f.id === 'spof-lb'),
      'two LBs: no single-point-of-failure finding',
    );
    // The healed LB takes the VIP back (keepalived preempts): the second move is reported.
    const holder = r.fault.status === 'none' ? '?' : r.fault.target.host;
    t.match(
      r.findings.find((f) => f.id === 'vip-failback')?.message,
      new RegExp(`moved back from lb\\d to ${holder} `),
      `the VIP's move back to ${holder} after the heal is a finding`,
    );
  });
}
