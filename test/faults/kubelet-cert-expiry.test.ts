/**
 * cert-expiry's kubelet-client fault on the scripted target: a request made on the node, signed
 * on the signer (a control plane: the node itself, or the first for a worker), installed on the
 * node; the kubelet restarted onto it, and the proof (the new expired serial, the API's 401, no
 * healthz answer for the whole window); a kubelet that runs on with it is no effect, nor is an API
 * that accepts it; an unhealthy kubelet, an expired certificate or an earlier drill's backup
 * before is refused before anything changes; the heal renews the same way, restarts, waits for
 * healthz; a replay changes nothing.
 */
// hadrill-test: unit waits (alone: 3.4 s of wall time, 0.5 s of CPU; scripts/run-files.mjs)
import t from 'tap';
import { kubeletCertExpiryFault } from '../../src/faults/kubelet-cert-expiry.ts';
import { aroundExec, FakeTarget, fakeTopology, healthyHosts } from './fake-target.ts';

const fault = (proveS = 0.3, host = 'cp2', signer = 'cp2') =>
  kubeletCertExpiryFault({ host, node: host, signer, proveS, healthyWaitS: 2 });
const fake = () => {
  const hosts = healthyHosts();
  hosts.running.add('cp2/kubelet');
  hosts.running.add('w1/kubelet');
  return new FakeTarget(fakeTopology(), hosts);
};
const states = (log: string[]) => log.filter((l) => l === 'kubelet-client-state cp2').length;

t.test('expire, restart, and the kubelet never answers while the API refuses its certificate', async (t) => {
  const target = fake();
  let now = 0;
  const out = await fault().inject({ target, nowMs: () => (now += 10) });
  if (!out.effect) return t.fail(out.reason);
  t.same(target.log.slice(0, 6), [
    'kubelet-client-state cp2',
    'kubelet-csr cp2',
    'sign-kubelet-csr cp2',
    'sign-kubelet-csr cp2',
    'install-kubelet-cert cp2',
    'restart cp2 kubelet',
  ]);
  t.same(
    target.inputs.slice(2, 5),
    ['CSR cp2\n', 'CSR cp2\n', 'CERT expired\nCERT renewed\n'],
    'the request signed twice, then the expired certificate and its renewal, on stdin',
  );
  t.ok(states(target.log.slice(6)) >= 2, 'read again and again over the proof window');
  t.match(out.proof, {
    kind: 'cert-expired',
    host: 'cp2',
    cert: 'kubelet-client',
    component: 'kubelet',
    previousSerial: 'AB01',
    effect: /the API answers 401 to it; the kubelet's healthz did not answer in \d+ reads over 0.3 s/,
  });
  t.ok(out.proof.kind === 'cert-expired' && Date.parse(out.proof.notAfter) < Date.now(), 'expired');
  t.equal(out.effectAt?.atMs, 10, "from the restart's SIGTERM: the heartbeats stop");
  t.equal(target.cert('cp2', 'kubelet-client').backup, true, 'the original kept');
});

t.test('a kubelet that runs on with the expired certificate is no effect', async (t) => {
  const base = fake();
  const target = aroundExec(base, async (run, kind) => {
    const r = await run();
    // The restarted kubelet does not check its certificate: it keeps answering.
    if (kind === 'restart') base.cert('cp2', 'kubelet-client').served = { serial: 'AB01', expired: false };
    return r;
  });
  const out = await fault().inject({ target });
  t.match(out, { effect: false, reason: /runs with the expired client certificate \(healthz 200/ });
});

t.test('an API that accepts the expired certificate is no effect', async (t) => {
  const target = aroundExec(fake(), async (run, kind) => {
    const r = await run();
    return kind === 'kubelet-client-state' ? { ...r, stdout: r.stdout.replace('api=401', 'api=200') } : r;
  });
  const out = await fault().inject({ target });
  t.match(out, { effect: false, reason: /the API did not answer 401/ });
});

t.test('a worker: signed on a control plane, installed on the worker', async (t) => {
  const target = fake();
  const out = await fault(0.3, 'w1', 'cp1').inject({ target });
  t.equal(out.effect, true, out.effect ? '' : out.reason);
  t.same(target.log.slice(1, 5), [
    'kubelet-csr w1',
    'sign-kubelet-csr cp1',
    'sign-kubelet-csr cp1',
    'install-kubelet-cert w1',
  ]);
  t.equal(target.cert('w1', 'kubelet-client').backup, true);
  t.match(
    await fault(0.3, 'w1', 'cp1').heal({ target }),
    /kubelet client certificate on w1: renewed by openssl/,
  );
  // A signer without the CA key: the sign fails, nothing installed.
  const other = fake();
  await t.rejects(
    fault(0.3, 'w1', 'w2').inject({ target: other }),
    /signing the kubelet's certificate \(expired\) on w2/,
  );
  t.equal(other.cert('w1', 'kubelet-client').backup, false, 'nothing installed');
});

t.test('an unhealthy kubelet or an expired certificate before: nothing changes', async (t) => {
  const down = fake();
  down.hosts.running.delete('cp2/kubelet');
  t.match(await fault().inject({ target: down }), { effect: false, reason: /not healthy before the drill/ });
  t.same(down.log, ['kubelet-client-state cp2']);
  const old = fake();
  old.cert('cp2', 'kubelet-client').file = { serial: 'AB01', expired: true };
  t.match(await fault().inject({ target: old }), { effect: false, reason: /has already expired/ });
  t.same(old.log, ['kubelet-client-state cp2']);
  const left = fake();
  left.cert('cp2', 'kubelet-client').backup = true;
  t.match(await fault().inject({ target: left }), {
    effect: false,
    reason: /an earlier drill's expiry was not healed/,
  });
  t.same(left.log, ['kubelet-client-state cp2']);
});

t.test('the heal renews, restarts and waits for healthz; a replay changes nothing', async (t) => {
  const target = fake();
  t.equal((await fault().inject({ target })).effect, true);
  target.log.length = 0;
  const said = await fault().heal({ target });
  t.same(target.log, [
    'install-kubelet-cert cp2',
    'kubelet-client-state cp2',
    'restart cp2 kubelet',
    'kubelet-client-state cp2',
  ]);
  t.same(target.inputs[0], undefined, 'the heal is one command on the node: the renewal is kept there');
  // What recover replays from the journal: the plan's heal steps, commands without stdin.
  t.same(
    fault()
      .plan(target)
      .filter((p) => p.step === 'heal')
      .map((p) => p.argv[0]),
    ['install-kubelet-cert', 'restart'],
  );
  t.match(said, /renewed by openssl; kubelet restarted, healthy, serial [0-9A-F]+ valid until/);
  t.equal(target.cert('cp2', 'kubelet-client').backup, false);
  target.log.length = 0;
  const again = await fault().heal({ target });
  t.same(target.log, ['install-kubelet-cert cp2', 'kubelet-client-state cp2', 'kubelet-client-state cp2']);
  t.match(again, /nothing the drill expired was left; kubelet healthy/);
});

t.test('a kubelet its service restarts on the renewal is not restarted again', async (t) => {
  const target = fake();
  target.selfRestarting.add('cp2/kubelet');
  t.equal((await fault().inject({ target })).effect, true);
  target.log.length = 0;
  const said = await fault().heal({ target });
  t.same(
    target.log,
    [
      'install-kubelet-cert cp2',
      'kubelet-client-state cp2',
      'kubelet-client-state cp2',
      'kubelet-client-state cp2',
    ],
    'installed, unhealthy, healthy on its own after the service restarted it: no restart',
  );
  t.match(said, /renewed by openssl; kubelet healthy, serial [0-9A-F]+ valid until/);
});

t.test('a heal that cannot bring the kubelet back says so', async (t) => {
  const target = fake();
  await fault().inject({ target });
  target.failing.add('restart');
  await t.rejects(
    fault().heal({ target }),
    /restarting the kubelet onto the renewed certificate on cp2 exited 1/,
  );
});
