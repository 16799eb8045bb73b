/**
 * Debian's etcd 3.4 runs with the generated kubeadm etcd flags (moved to loopback ports): TLS for
 * clients with client-certificate auth (the healthcheck-client certificate gets in; no
 * certificate, or one from the cluster CA instead of the etcd CA, does not), plain-HTTP metrics
 * on the metrics port, and the manifest's probe paths answer 200 there.
 */

import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import t from 'tap';
import { startKubeadmEtcd, tlsGet } from './tls-etcd.ts';

const etcd = await startKubeadmEtcd(t);
const ca = etcd.pki('etcd/ca.crt');
const client = (cert: string, key: string) =>
  new Etcd3({
    hosts: etcd.endpoint,
    credentials: {
      rootCertificate: readFileSync(ca),
      certChain: readFileSync(cert),
      privateKey: readFileSync(key),
    },
    dialTimeout: 2000,
  });

t.test('every flag of the manifest is accepted by this etcd (it is serving)', async (t) => {
  t.ok(etcd.argv.includes('--client-cert-auth=true'));
  t.ok(etcd.argv.includes('--pre-vote=true'));
  t.ok(etcd.argv.includes('--experimental-initial-corrupt-check=true'));
  const health = await tlsGet(`${etcd.endpoint}/health`, ca, {
    cert: etcd.pki('etcd/healthcheck-client.crt'),
    key: etcd.pki('etcd/healthcheck-client.key'),
  });
  t.equal(health.status, 200);
  t.match(health.body, /"health":"true"/);
});

t.test('healthcheck-client and apiserver-etcd-client certificates can read and write', async (t) => {
  for (const [cert, key] of [
    ['etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key'],
    ['apiserver-etcd-client.crt', 'apiserver-etcd-client.key'],
  ] as const) {
    const c = client(etcd.pki(cert), etcd.pki(key));
    t.teardown(() => c.close());
    await c.put(`/test/${cert}`).value('v');
    t.equal(await c.get(`/test/${cert}`).string(), 'v', cert);
  }
});

t.test("client-certificate auth: no certificate or another CA's certificate is refused", async (t) => {
  await t.rejects(tlsGet(`${etcd.endpoint}/health`, ca), 'no client certificate: handshake refused');
  await t.rejects(
    tlsGet(`${etcd.endpoint}/health`, ca, {
      cert: etcd.pki('apiserver-kubelet-client.crt'),
      key: etcd.pki('apiserver-kubelet-client.key'),
    }),
    'a cluster-CA client certificate is not trusted by etcd',
  );
  const wrong = client(etcd.pki('front-proxy-client.crt'), etcd.pki('front-proxy-client.key'));
  t.teardown(() => wrong.close());
  await t.rejects(wrong.get('/x').string());
  await t.rejects(
    fetch(`${etcd.endpoint.replace('https:', 'http:')}/health`),
    'no plain HTTP on the client port',
  );
});

t.test('metrics port: plain HTTP on loopback; the manifest probe paths answer', async (t) => {
  for (const p of ['/metrics', '/health?exclude=NOSPACE&serializable=true', '/health?serializable=false']) {
    const res = await fetch(`${etcd.metricsUrl}${p}`);
    t.equal(res.status, 200, p);
    await res.arrayBuffer();
  }
  const livez = await fetch(`${etcd.metricsUrl}/livez`);
  t.equal(livez.status, 404, 'etcd 3.4 has no /livez: why the manifest keeps the /health probes');
  await livez.arrayBuffer();
});
