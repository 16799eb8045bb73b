/**
 * The kubelet's server (port 10250 upstream): the serving certificate as InitializeTLS settles on
 * it (--tls-cert-file, else a self-signed kubelet.crt for the host name made once in --cert-dir
 * and reused), and kubeadm's authentication: no client certificate 401, a CA-signed one served.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { kubeletServingCert, startKubeletServer } from '../../../src/kube/kubelet/server.ts';
import { KUBELET_CONFIG_DEFAULTS } from '../../../src/kube/kubelet/static/config.ts';
import { newComponentRegistry } from '../../../src/kube/runtime/metrics.ts';
import { ensureCa, ensureClientCert } from '../../../src/lab/pki/index.ts';
import { httpsGet } from '../../helpers/https.ts';
import { freePort } from '../../helpers/net.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hadrill-kubelet-server-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('self-signed in --cert-dir, made once and reused', async (t) => {
  const certDir = path.join(dir, 'pki');
  const o = { cfg: KUBELET_CONFIG_DEFAULTS, certDir, hostname: 'w1', log: () => {} };
  const first = await kubeletServingCert(o);
  t.match(new X509Certificate(first.cert).subject, /^CN=w1@\d+$/);
  t.equal(statSync(path.join(certDir, 'kubelet.key')).mode & 0o777, 0o600);
  t.same(readFileSync(path.join(certDir, 'kubelet.crt')), first.cert);
  const again = await kubeletServingCert(o);
  t.same(again.cert, first.cert, 'the next start reads it');
  await t.rejects(
    kubeletServingCert({
      ...o,
      cfg: { ...KUBELET_CONFIG_DEFAULTS, tlsCertFile: '/nope.crt', tlsPrivateKeyFile: '/nope.key' },
    }),
    /--tls-cert-file \/nope.crt: cannot read it/,
  );
});

t.test("kubeadm's authentication: anonymous off, x509 client CA", async (t) => {
  const ca = await ensureCa(path.join(dir, 'ca'));
  const prometheus = await ensureClientCert(dir, ca, 'prometheus', 'prometheus', ['system:monitoring']);
  const port = await freePort();
  const registry = newComponentRegistry();
  const stop = await startKubeletServer({
    cfg: { ...KUBELET_CONFIG_DEFAULTS, address: '127.0.0.1', port, clientCAFile: ca.cert },
    certDir: path.join(dir, 'pki2'),
    hostname: 'w1',
    registry,
    log: () => {},
  });
  t.teardown(stop);
  const url = `https://127.0.0.1:${port}/metrics`;
  const anon = await httpsGet(url);
  t.equal(anon.status, 401);
  t.equal(anon.body, 'Unauthorized\n');
  const r = await httpsGet(url, { client: prometheus });
  t.equal(r.status, 200);
  t.match(r.body, /^process_resident_memory_bytes /m);
  t.equal((await httpsGet(`https://127.0.0.1:${port}/metrics/cadvisor`, { client: prometheus })).status, 404);
});
