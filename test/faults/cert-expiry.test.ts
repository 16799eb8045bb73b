/**
 * The cert-expiry fault on the scripted target: expire, restart, proof from what the port presents
 * (a new serial, expired); a component that keeps presenting the old certificate is no effect; an
 * already expired certificate is refused; the heal renews, restarts and checks what is presented,
 * restarts even without a renewal when an expired certificate is still presented (a heal cut
 * short), and a replayed heal changes nothing.
 */
// hadrill-test: unit waits (alone: 2.4 s of wall time, 0.4 s of CPU; scripts/run-files.mjs)
import t from 'tap';
import { certExpiryFault } from '../../src/faults/cert-expiry.ts';
import { aroundExec, FakeTarget, fakeTopology, healthyHosts } from './fake-target.ts';

const fault = (cert: 'apiserver' | 'etcd-peer' = 'apiserver') =>
  certExpiryFault({
    host: 'cp2',
    cert,
    address: '198.18.0.12',
    port: cert === 'apiserver' ? 6443 : 2380,
    ip: '198.18.0.12',
    member: 'cp2',
    serveWaitS: 2,
  });
const fake = () => new FakeTarget(fakeTopology(), healthyHosts());

t.test('expire, restart, and the port presents the new, expired certificate', async (t) => {
  const target = fake();
  let now = 0;
  const out = await fault().inject({ target, nowMs: () => (now += 10) });
  t.same(target.log, ['served-cert cp2', 'expire-cert cp2', 'restart cp2 kube-apiserver', 'served-cert cp2']);
  if (!out.effect) return t.fail(out.reason);
  t.match(out.proof, {
    kind: 'cert-expired',
    host: 'cp2',
    cert: 'apiserver',
    component: 'kube-apiserver',
    previousSerial: 'AB01',
  });
  t.not(out.proof.kind === 'cert-expired' && out.proof.serial, 'AB01', 'a new serial');
  t.ok(out.proof.kind === 'cert-expired' && Date.parse(out.proof.notAfter) < Date.now(), 'expired');
  t.equal(out.effectAt?.atMs, 10, 'the apiserver serves no verifying client from its restart on');
  t.equal(target.cert('cp2', 'apiserver').backup, true, 'the original kept');
});

t.test('etcd-peer restarts the member; refused by its peers once the new process runs', async (t) => {
  const target = fake();
  let now = 0;
  const out = await fault('etcd-peer').inject({ target, nowMs: () => (now += 10) });
  t.equal(out.effect, true);
  t.ok(target.log.includes('restart cp2 etcd'));
  t.equal(out.effect && out.effectAt?.atMs, 20, 'the restart returned');
});

t.test('a component that keeps presenting the old certificate: no effect', async (t) => {
  const base = fake();
  const target = aroundExec(base, async (run, kind) => {
    const r = await run();
    // The restart "forgets" to load the file: the old certificate stays in service.
    if (kind === 'restart') base.cert('cp2', 'apiserver').served = { serial: 'AB01', expired: false };
    return r;
  });
  const out = await fault().inject({ target });
  t.match(out, { effect: false, reason: /to present the expired certificate/ });
});

t.test('an already expired certificate is refused before anything changes', async (t) => {
  const target = fake();
  const c = target.cert('cp2', 'apiserver');
  c.served = { serial: 'AB01', expired: true };
  const out = await fault().inject({ target });
  t.match(out, { effect: false, reason: /already presents an expired certificate/ });
  t.same(target.log, ['served-cert cp2']);
});

t.test('the heal renews, restarts and checks; a replay changes nothing', async (t) => {
  const target = fake();
  await fault().inject({ target });
  target.log.length = 0;
  const said = await fault().heal({ target });
  t.same(target.log, ['renew-cert cp2', 'served-cert cp2', 'restart cp2 kube-apiserver', 'served-cert cp2']);
  t.match(said, /renewed by openssl; kube-apiserver restarted, presents serial [0-9A-F]+, valid until/);
  t.equal(target.cert('cp2', 'apiserver').backup, false);
  target.log.length = 0;
  const again = await fault().heal({ target });
  t.same(target.log, ['renew-cert cp2', 'served-cert cp2', 'served-cert cp2'], 'nothing restarted');
  t.match(again, /nothing the drill expired was left; kube-apiserver presents serial/);
});

t.test('a heal cut short after the renewal: the replay restarts onto the renewed file', async (t) => {
  const target = fake();
  await fault().inject({ target });
  // Renewed (backup gone), but the process still presents the expired certificate.
  const c = target.cert('cp2', 'apiserver');
  c.file = { serial: 'CAFE', expired: false };
  c.backup = false;
  target.log.length = 0;
  const said = await fault().heal({ target });
  t.ok(target.log.includes('restart cp2 kube-apiserver'));
  t.match(said, /presents serial CAFE/);
});

t.test('the plan: expire, restart, prove, renew, restart, verify', async (t) => {
  const steps = fault()
    .plan(fake())
    .map((s) => `${s.step} ${s.argv[0]}`);
  t.same(steps, [
    'inject expire-cert',
    'inject restart',
    'prove served-cert',
    'heal renew-cert',
    'heal restart',
    'verify-heal served-cert',
  ]);
});

t.test(
  'no CA key on the node: signed on the first signer that has it, the heal installs the kept renewal',
  async (t) => {
    const target = fake();
    target.noCaKey.add('cp2');
    target.noCaKey.add('cp1');
    const f = certExpiryFault({
      host: 'cp2',
      cert: 'etcd-peer',
      address: '198.18.0.12',
      port: 2380,
      member: 'cp2',
      serveWaitS: 2,
      signers: ['cp1', 'cp3'],
    });
    const out = await f.inject({ target });
    t.equal(out.effect, true, out.effect ? 'proven' : out.reason);
    t.same(target.log, [
      'served-cert cp2',
      'expire-cert cp2',
      'cert-request cp2',
      'sign-cert-request cp1',
      'sign-cert-request cp3',
      'sign-cert-request cp3',
      'install-cert cp2',
      'restart cp2 etcd',
      'served-cert cp2',
    ]);
    t.same(
      target.inputs.slice(3, 7),
      ['CSR cp2\n', 'CSR cp2\n', 'CSR cp2\n', 'CERT expired\nCERT renewed\n'],
      "the node's request to the signers, the expired certificate and its renewal to the node",
    );
    t.equal(target.cert('cp2', 'etcd-peer').renewal, true, 'the renewal kept on the node');
    target.log.length = 0;
    const healed = await f.heal({ target });
    t.match(healed, /renewed by openssl; etcd restarted/);
    t.same(
      target.log,
      ['renew-cert cp2', 'served-cert cp2', 'restart cp2 etcd', 'served-cert cp2'],
      'no signer needed',
    );
    // The plan says what happens where the node has no key.
    t.same(
      f
        .plan(target)
        .filter((s) => s.step === 'inject')
        .map((s) => `${s.argv[0]} ${s.host}`),
      [
        'expire-cert cp2',
        'cert-request cp2',
        'sign-cert-request cp1',
        'sign-cert-request cp3',
        'install-cert cp2',
        'restart cp2',
      ],
    );
  },
);

t.test('no CA key on the node nor on any signer: the error names them, nothing installed', async (t) => {
  const target = fake();
  for (const h of ['cp1', 'cp2', 'cp3']) target.noCaKey.add(h);
  const f = certExpiryFault({
    host: 'cp2',
    cert: 'etcd-peer',
    address: '198.18.0.12',
    port: 2380,
    serveWaitS: 2,
    signers: ['cp1', 'cp3'],
  });
  await t.rejects(f.inject({ target }), /etcd\/ca\.key is on neither cp2 nor cp1, cp3/);
  t.notOk(target.log.includes('install-cert cp2'));
  t.equal(target.cert('cp2', 'etcd-peer').backup, false, 'nothing changed on the node');
});
