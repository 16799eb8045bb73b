/**
 * The kubelet's client credentials at start (src/kube/kubelet/bootstrap.ts, upstream's
 * LoadClientConfig): without a bootstrap kubeconfig the kubeconfig is used whatever its
 * certificate; with one, a valid certificate (file or data) is used, and an expired one (any
 * certificate of the chain past its notAfter; notBefore is not checked) falls back to the
 * bootstrap kubeconfig, whose absence is upstream's error; a present one is TLS bootstrapping,
 * which the lab's kubelet says it does not emulate. Certificates are real (openssl); expiry is
 * reached by asking at a later `now`.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { checkClientConfig, invalidClientCert } from '../../../src/kube/kubelet/bootstrap.ts';
import { ensureCa, ensureLeaf } from '../../../src/lab/pki/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-kubelet-bootstrap-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
// The lab's PKI helpers (openssl): the cluster CA and a node's client certificate from it.
const ca = await ensureCa(dir, 3650, { cn: 'kubernetes' });
await ensureLeaf(dir, ca, {
  name: 'k',
  cn: 'system:node:cp1',
  groups: ['system:nodes'],
  usage: 'client',
  days: 365,
});
const read = (f: string) => fs.readFileSync(path.join(dir, f));
fs.writeFileSync(path.join(dir, 'current.pem'), Buffer.concat([read('k.crt'), read('k.key')]));
const notAfter = Date.parse(new X509Certificate(read('k.crt')).validTo);
const expiredAt = notAfter + 1000;

const kubeconfig = (name: string, user: Record<string, string>) => {
  const f = path.join(dir, name);
  fs.writeFileSync(
    f,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c',
      '  cluster:',
      '    server: https://198.18.0.10:6443',
      `    certificate-authority-data: ${read('ca.crt').toString('base64')}`,
      'users:',
      '- name: u',
      '  user:',
      ...Object.entries(user).map(([k, v]) => `    ${k}: ${v}`),
      'contexts:',
      '- name: x',
      '  context: {cluster: c, user: u}',
      'current-context: x',
      '',
    ].join('\n'),
  );
  return f;
};
// As kubelet-finalize writes it (a file for both), and with a path relative to the kubeconfig.
const byFile = kubeconfig('kubelet.conf', {
  'client-certificate': path.join(dir, 'current.pem'),
  'client-key': path.join(dir, 'current.pem'),
});
const relative = kubeconfig('relative.conf', {
  'client-certificate': 'current.pem',
  'client-key': 'current.pem',
});
const byData = kubeconfig('data.conf', {
  'client-certificate-data': read('k.crt').toString('base64'),
  'client-key-data': read('k.key').toString('base64'),
});
const noCert = kubeconfig('token.conf', { token: 'abc' });
const bootstrap = path.join(dir, 'bootstrap-kubelet.conf');

t.test('no bootstrap kubeconfig: the kubeconfig, whatever its certificate', async (t) => {
  t.match(checkClientConfig(byFile, '', expiredAt), { use: 'kubeconfig', why: 'no bootstrapping requested' });
});

t.test('a valid certificate, from a file (absolute or relative) or embedded: used', async (t) => {
  for (const f of [byFile, relative, byData]) {
    t.equal(invalidClientCert(f), undefined, f);
    t.match(checkClientConfig(f, bootstrap), { use: 'kubeconfig', why: /still valid/ });
  }
  t.equal(invalidClientCert(byFile, notAfter), undefined, 'at its notAfter exactly: still valid (now.After)');
});

t.test('expired, no bootstrap kubeconfig: the error upstream exits with', async (t) => {
  const r = checkClientConfig(byFile, bootstrap, expiredAt);
  t.equal(r.use, 'none');
  t.match(
    r.use === 'none' && r.error,
    `part of the existing bootstrap client certificate in ${byFile} is expired: ${new Date(notAfter).toISOString()}; unable to load bootstrap kubeconfig: stat ${bootstrap}: no such file or directory`,
  );
  t.match(checkClientConfig(byData, bootstrap, expiredAt), { use: 'none', error: /is expired/ });
});

t.test('no kubeconfig, or one without a certificate: the bootstrap kubeconfig is needed', async (t) => {
  t.match(checkClientConfig(path.join(dir, 'missing.conf'), bootstrap), {
    use: 'none',
    error: /missing\.conf does not exist; unable to load bootstrap kubeconfig/,
  });
  t.match(checkClientConfig(noCert, bootstrap), { use: 'none', error: /has no client certificate/ });
});

t.test('expired with a bootstrap kubeconfig present: TLS bootstrapping, not emulated, said so', async (t) => {
  fs.writeFileSync(bootstrap, 'apiVersion: v1\nkind: Config\n');
  t.teardown(() => fs.rmSync(bootstrap, { force: true }));
  t.match(checkClientConfig(byFile, bootstrap, expiredAt), {
    use: 'none',
    error: /TLS bootstrapping\), which the lab's kubelet does not emulate: renew the certificate/,
  });
});
