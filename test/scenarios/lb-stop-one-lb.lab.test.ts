/**
 * lb-stop on a lab with one LB (`lab up --lbs 1`, fast preset): lb1 runs haproxy alone and holds
 * the VIP as its own address (no keepalived: unicast VRRP needs a peer). The interlock refuses to
 * stop the only LB unless allowed; allowed, the `services` variant stops its haproxy (nothing else
 * runs there), the API stays down until the heal, and the analysis says so: a single point of
 * failure, and an outage reported as a lower bound back only with the heal (UNKNOWN against the
 * 30 s SLO), never a PASS that the drill's own heal produced. No acknowledged write is lost, and
 * the heal brings the LB back.
 */
// hadrill-test: other lab topology (npm test runs this file after the default-lab ones)
import t from 'tap';
import { lbStop } from '../../scenarios/lb-stop.ts';
import { hostsByRole } from '../../src/lab/config.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { labForTest, OTHER_TOPOLOGY } from '../helpers/lab.ts';
import { drill } from './drill.ts';

// One LB; its etcd is external as well (the suite's one other-topology lab: OTHER_TOPOLOGY).
const cfg = await labForTest(t, 'fast', 2, OTHER_TOPOLOGY);

t.test('one LB: haproxy alone, holding the VIP', async (t) => {
  t.same(
    hostsByRole(cfg, 'lb').map((h) => h.name),
    ['lb1'],
  );
  const target = new LabTarget(cfg);
  t.teardown(() => target.close());
  t.equal(await target.vipHolder(), 'lb1');
  const ps = await target.executor.exec('lb1', [
    'sh',
    '-c',
    'pgrep -x keepalived | wc -l; pgrep -x haproxy | wc -l',
  ]);
  t.equal(ps.stdout.trim(), '0\n1', 'no keepalived, one haproxy');
  t.same(target.topology.lbs, ['lb1']);
});

t.test('the interlock refuses to stop the only LB unless allowed', async (t) => {
  await t.rejects(
    drill(t, cfg, lbStop, { variant: 'services' }),
    /it would stop the only API load balancer \(a single point of failure: the API is unreachable until it is back\)\. Pass --allow-unsafe lb-stop/,
  );
});

t.test('services, allowed: haproxy stopped, down until the heal, reported as such', async (t) => {
  const d = await drill(t, cfg, lbStop, { variant: 'services' }, { allowUnsafe: true });
  const { outcome, m } = d;
  const r = outcome.result;
  t.equal(r.fault.status, 'proven');
  const proof = eventsOf(r.timeline, 'fault.proof')[0]?.proof;
  t.match(JSON.stringify(proof), /haproxy/, 'haproxy stopped');
  t.notMatch(JSON.stringify(proof), /keepalived/, 'no keepalived to stop');
  t.ok(outcome.healed && outcome.verify?.ok, 'healed, steady state again');
  t.ok(
    r.findings.some((f) => f.id === 'spof-lb'),
    'single point of failure reported',
  );
  const outage = m.api_outage_s;
  t.equal(outage?.lowerBound, true, `api_outage_s ≥ ${outage?.value} s: a lower bound`);
  t.match(outage?.detail, /still failing when the heal began: back only with the heal/);
  t.equal(outage?.verdict, 'unknown', 'never a PASS the heal produced');
  t.ok((outage?.value ?? 0) >= 10, `down for ${outage?.value} s before the heal`);
  t.equal(m.rto_s?.lowerBound, true);
  t.equal(m.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
  t.equal(r.verdict, 'unknown');
});
