/**
 * api_error_ratio from synthetic timelines: failed ÷ all requests through the LB between the
 * fault's effect and its heal, both connection kinds; certificate errors named in the detail with
 * what keeps such an apiserver in rotation; requests outside the window and to single apiservers
 * do not count.
 */
import t from 'tap';
import { apiErrorRatio, CERT_ERROR } from '../../src/analysis/errors.ts';
import { Timeline } from './synthetic.ts';

const EXPIRED = 'CERT_HAS_EXPIRED: certificate has expired';

t.test('one request in three refused for its certificate, the rest fine', async (t) => {
  const tl = new Timeline().fault(1000, { host: 'cp2' }, 'cert-expiry');
  // New connections: every third fails with the certificate error, during the fault only.
  for (let i = 0; i < 90; i++) {
    const at = i * 100;
    const bad = at >= 1000 && at < 7000 && i % 3 === 0;
    tl.add(
      at,
      bad
        ? { type: 'api.request', target: 'lb', connection: 'new', ok: false, error: EXPIRED, latencyMs: 3 }
        : { type: 'api.request', target: 'lb', connection: 'new', ok: true, status: 200, latencyMs: 3 },
    );
  }
  tl.lb(0, 9000, () => true, 100, 'keepalive')
    // a direct request to the apiserver (not through the LB) does not count
    .add(1500, {
      type: 'api.request',
      target: '198.18.0.12',
      connection: 'new',
      ok: false,
      error: EXPIRED,
      latencyMs: 1,
    })
    .add(7000, { type: 'heal.invoke', fault: 'cert-expiry' });
  const o = apiErrorRatio(tl.events, 1050);
  // Window [1050, 7000): new 59 requests (20 failed), keep-alive 59 (0 failed).
  t.equal(o.value, Math.round((20 / 118) * 1000) / 1000);
  t.match(
    o.detail,
    /20 of 118 requests through the LB failed during the fault \(20\/59 new, 0\/59 kept-alive\)/,
  );
  t.match(o.detail, /20 of them refused the apiserver's certificate \(CERT_HAS_EXPIRED/);
  t.match(o.detail, /check-ssl verify required ca-file/);
});

t.test('failures that are not certificate errors: no certificate text', async (t) => {
  const tl = new Timeline()
    .fault(0, { host: 'cp2' }, 'cert-expiry')
    .lb(0, 1000, (x) => x !== 500)
    .add(1000, { type: 'heal.invoke', fault: 'cert-expiry' });
  const o = apiErrorRatio(tl.events, 0);
  t.equal(o.value, 0.1);
  t.notMatch(o.detail, /certificate/);
});

t.test('nothing through the LB during the fault: not observed', async (t) => {
  const o = apiErrorRatio(new Timeline().fault(0, { host: 'cp2' }, 'cert-expiry').events, 0);
  t.equal(o.value, null);
});

t.test('the certificate errors Node, Go and OpenSSL clients print', async (t) => {
  for (const e of [
    'CERT_HAS_EXPIRED: certificate has expired',
    'tls: failed to verify certificate: x509: certificate has expired or is not yet valid',
    'SSL routines::certificate verify failed: certificate has expired',
  ])
    t.match(e, CERT_ERROR);
  for (const e of ['ECONNREFUSED', 'socket hang up', 'ETIMEDOUT', 'HTTP 500']) t.notMatch(e, CERT_ERROR);
});

t.test("a grace period: the LB's time to react does not count", async (t) => {
  // Failing for the first 2 s of the fault (the LB's detection), then fine.
  const tl = new Timeline()
    .fault(0, { host: 'cp2' }, 'cert-expiry')
    .lb(0, 10_000, (x) => x >= 2000)
    .add(10_000, { type: 'heal.invoke', fault: 'cert-expiry' });
  const whole = apiErrorRatio(tl.events, 0);
  t.equal(whole.value, 0.2);
  const after = apiErrorRatio(tl.events, 0, 3000);
  t.equal(after.value, 0);
  t.match(
    after.detail,
    /0 of 70 requests through the LB failed during the fault from 3\.0 s after the effect \(before it, the LB's time to react: 20 of 30 failed\)/,
  );
  t.equal(apiErrorRatio(tl.events, 0, 20_000).value, null, 'nothing left after the grace');
});
