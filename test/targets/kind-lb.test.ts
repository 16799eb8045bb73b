/**
 * kind's external load balancer through a stand-in docker (kind-fake-docker.ts; no engine here):
 * its health-check timings come from Envoy's cds.yaml alone (kind ≥ v0.32) or HAProxy's config
 * with HAProxy's defaults (older kind), copied out with `docker cp`; lb-stop's two variants run
 * for real against the stand-in: `services` kills the container with `docker kill` (no `docker
 * stop` grace period), `link` takes it off kind's network and the heal puts it back (a new
 * address when docker refuses the old one), both proven and idempotent.
 */
import fs from 'node:fs';
import t, { type Test } from 'tap';
import { runLocal } from '../../src/executors/local.ts';
import { linkDownFault } from '../../src/faults/network.ts';
import { servicesFault } from '../../src/faults/services.ts';
import { openKindTarget } from '../../src/targets/kind.ts';
import { readLbTimings } from '../../src/targets/kind-lb.ts';
import { envoyTimings } from '../../src/targets/kubeadm-profile-timings.ts';
import { waitFor } from '../../src/util/time.ts';
import { pidRunning } from '../helpers/pids.ts';
import { ENVOY_FILES, fakeDocker, LB } from './kind-fake-docker.ts';

const prevPath = process.env.PATH;
/** The LB reconnect timers running now (their command line carries the mark). */
const timerPids = async () =>
  (await runLocal(['pgrep', '-f', `hadrill-lb-timer-${LB}`])).stdout.split('\n').filter(Boolean);
const timers = async () => (await timerPids()).length;
/** What the timers wait in (their sleep), by pid. */
const timerSleeps = async () =>
  (await Promise.all((await timerPids()).map((p) => runLocal(['pgrep', '-P', p])))).flatMap((r) =>
    r.stdout.split('\n').filter(Boolean),
  );
t.teardown(() => {
  process.env.PATH = prevPath;
});

/** A stand-in docker on PATH and the kind target opened on it, both gone after the test. */
async function opened(t: Test) {
  const fake = fakeDocker();
  process.env.PATH = fake.path();
  t.teardown(fake.remove);
  const target = await openKindTarget({ cluster: 'ha' });
  t.teardown(() => target.close());
  return { fake, target };
}

t.test('Envoy (kind ≥ v0.32): the health check of cds.yaml, copied with docker cp', async (t) => {
  const fake = fakeDocker({ lb: 'envoy' });
  process.env.PATH = fake.path();
  t.teardown(fake.remove);
  // What the old `cat /home/envoy/*.yaml` read: three files as one YAML document, no health check.
  const concatenated = ['cds.yaml', 'envoy.yaml', 'lds.yaml'].map((f) => ENVOY_FILES[f]).join('');
  const old = (() => {
    try {
      return envoyTimings(concatenated);
    } catch {
      return {};
    }
  })();
  t.equal(old.checkInterMs, undefined, 'the concatenation loses the health check');
  const dir = fs.mkdtempSync(`${fake.dir}/read-`);
  const read = await readLbTimings(runLocal, LB, dir);
  const cds = { kind: 'configured', where: `${LB}:/home/envoy/cds.yaml` };
  t.same(read, {
    // kind's ProxyCDSConfigTemplate: interval 2s, timeout 3s, unhealthy_threshold 2, no
    // unhealthy_edge_interval (so interval while a backend fails).
    timings: {
      checkInterMs: 2000,
      checkTimeoutMs: 3000,
      fall: 2,
      checkFastinterMs: 2000,
      lbChecker: 'envoy',
      origins: { checkInterMs: cds, checkTimeoutMs: cds, fall: cds, checkFastinterMs: cds, lbChecker: cds },
    },
    from: cds.where,
  });
  t.same(fs.readdirSync(dir), [], 'the copy is removed after reading');
  const target = await openKindTarget({ cluster: 'ha' });
  const timings = await target.timings();
  t.equal(timings.checkInterMs, 2000);
  t.equal(timings.checkTimeoutMs, 3000);
  t.equal(timings.fall, 2);
  t.same(timings.origins?.fall, cds, 'said where it came from');
  t.equal(
    timings.origins?.leaseDurationS?.kind,
    'default',
    "the nodes' inputs (unreadable here): upstream defaults",
  );
  const files = target.topology.etcd[0]!.tls!.keyFile.replace(/\/etcd\/[^/]+$/, '');
  await target.close();
  t.notOk(fs.existsSync(files), 'the private directory is gone after close');
  t.same(
    fake.callsOf('cp').map((c) => c[1]),
    [`${LB}:/home/envoy/cds.yaml`, `${LB}:/home/envoy/cds.yaml`],
    'cds.yaml only, never envoy.yaml or lds.yaml',
  );
});

t.test("HAProxy (kind < v0.32, distroless: no shell): its config and HAProxy's defaults", async (t) => {
  const fake = fakeDocker({ lb: 'haproxy' });
  process.env.PATH = fake.path();
  t.teardown(fake.remove);
  const dir = fs.mkdtempSync(`${fake.dir}/read-`);
  const read = await readLbTimings(runLocal, LB, dir);
  const cfg = { kind: 'configured', where: `${LB}:/usr/local/etc/haproxy/haproxy.cfg` };
  t.equal(read?.from, cfg.where);
  // kind's `server … check` lines set no inter/fall/rise/timeout check: HAProxy's defaults (the
  // LB window bounds a check by inter without `timeout check`); `timeout connect 5000` is kind's.
  t.match(read?.timings, {
    checkInterMs: 2000,
    fall: 3,
    rise: 2,
    checkConnectTimeoutMs: 5000,
    lbChecker: 'haproxy',
  });
  t.equal(read?.timings.checkTimeoutMs, undefined);
  t.same(read?.timings.origins?.checkConnectTimeoutMs, cfg);
  t.match(read?.timings.origins?.fall, { kind: 'default', rule: /haproxy `fall` default 3/ });
  t.equal(read?.timings.nodeMonitorPeriodS, undefined, 'no Kubernetes default from the LB part');
  t.same(
    fake.callsOf('exec').filter((c) => c.includes(LB)),
    [],
    'nothing is run inside the LB container',
  );
});

t.test('lb-stop --variant services: docker kill, proven, healed with docker start', async (t) => {
  const { fake, target } = await opened(t);
  const fault = servicesFault({ host: LB, components: ['keepalived', 'haproxy'], signal: 'TERM' });
  const started = performance.now();
  const out = await fault.inject({ target });
  t.ok(out.effect, JSON.stringify(out));
  t.ok(performance.now() - started < 5000, 'no 10 s docker stop grace period');
  t.notOk(fake.running(LB));
  t.same(fake.callsOf('stop'), [], 'never docker stop');
  t.ok(
    fake.callsOf('kill').some((c) => c.at(-1) === LB),
    'docker kill, also for SIGTERM: bash as PID 1 ignores it',
  );
  t.match(await fault.heal({ target }), /running again/);
  t.ok(fake.running(LB));
  t.match(await fault.heal({ target }), /already running/, 'idempotent');
});

t.test('lb-stop --variant link: off kind’s network, back on it at heal', async (t) => {
  const { fake, target } = await opened(t);
  const fault = linkDownFault({ host: LB, downForS: 60 });
  const plan = fault.plan(target);
  t.same(
    plan.map((s) => `${s.step}@${s.host}`),
    ['inject@local', 'prove@local', 'heal@local', 'verify-heal@local'],
  );
  t.match(plan[0]!.argv[2], /docker network disconnect kind ha-external-load-balancer/);
  t.match(plan[2]!.argv[2], /docker network connect --ip 172\.18\.0\.2 kind ha-external-load-balancer/);
  t.match(plan[0]!.argv[2], /nohup sh -c 'sleep 60; .*' "hadrill-lb-time""r-ha-external-load-balancer"/);
  const out = await fault.inject({ target });
  t.same(out, { effect: true, proof: { kind: 'link-down', host: LB, link: LB } });
  t.equal(await timers(), 1, 'the harness-side timer that would reconnect it if this run died');
  t.equal(fake.network(LB), '', 'disconnected');
  t.ok(fake.running(LB), 'the LB process keeps running: its clients time out, nothing resets them');
  t.same(await fault.inject({ target }).then((o) => o.effect), true, 'a second link-down is a no-op');
  const sleeps = await timerSleeps();
  t.equal(sleeps.length, 1, 'the timer waits in its sleep');
  t.match(await fault.heal({ target }), /link of ha-external-load-balancer up/);
  t.equal(fake.network(LB), 'kind', 'reconnected (docker refused the old address: a new one)');
  t.equal(await timers(), 0, 'the heal cancelled the timer');
  t.notOk(sleeps.some(pidRunning), 'and its sleep: nothing left running for the rest of its 60 s');
  const connects = fake.callsOf('network').filter((c) => c[1] === 'connect');
  t.same(
    connects.map((c) => c.join(' ')),
    [
      'network connect --ip 172.18.0.2 kind ha-external-load-balancer',
      'network connect kind ha-external-load-balancer',
    ],
  );
  await fault.heal({ target });
  t.equal(fake.callsOf('network').filter((c) => c[1] === 'connect').length, 2, 'heal again: nothing to do');
});

t.test('a link-down nobody heals: the timer puts the LB back by itself', async (t) => {
  const { fake, target } = await opened(t);
  const down = target.profile.command({ kind: 'link-down', host: LB, restoreAfterS: 1 });
  const r = await runLocal(down.argv);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /ha-external-load-balancer is back on kind after 1 s unless healed first/);
  t.equal(fake.network(LB), '');
  const back = await waitFor(async () => (fake.network(LB) === 'kind' ? true : undefined), {
    timeoutMs: 10_000,
    intervalMs: 100,
    what: 'the timer to reconnect the LB',
  });
  t.ok(back);
  t.equal(await timers(), 0, 'the timer is done');
});
