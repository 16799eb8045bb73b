/**
 * Our kube-apiserver against a TLS etcd with client-certificate auth, as kubeadm runs them: etcd
 * started from the generated kubeadm etcd.yaml (loopback ports), the apiserver with
 * --etcd-servers=https://… --etcd-cafile/--etcd-certfile/--etcd-keyfile (kubeadm's
 * apiserver-etcd-client certificate). It becomes ready, serves writes that land in etcd,
 * survives an etcd restart, and runs with every flag of the generated kube-apiserver.yaml.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import t from 'tap';
import YAML from 'yaml';
import { startTestApiserver } from '../../helpers/apiserver.ts';
import { startKubeadmEtcd } from '../../lab/kubeadm/tls-etcd.ts';

const etcd = await startKubeadmEtcd(t);
const tlsFlags = [
  `--etcd-cafile=${etcd.pki('etcd/ca.crt')}`,
  `--etcd-certfile=${etcd.pki('apiserver-etcd-client.crt')}`,
  `--etcd-keyfile=${etcd.pki('apiserver-etcd-client.key')}`,
];

t.test('ready over TLS etcd; objects are stored in etcd', async (t) => {
  const api = await startTestApiserver(t, { etcd, flags: tlsFlags });
  const created = await api.kubectl(['create', 'configmap', 'tls-check', '--from-literal=a=b']);
  t.equal(created.code, 0, created.stderr);
  const reader = new Etcd3({
    hosts: etcd.endpoint,
    credentials: {
      rootCertificate: readFileSync(etcd.pki('etcd/ca.crt')),
      certChain: readFileSync(etcd.pki('etcd/healthcheck-client.crt')),
      privateKey: readFileSync(etcd.pki('etcd/healthcheck-client.key')),
    },
  });
  t.teardown(() => reader.close());
  const raw = await reader.get('/registry/configmaps/default/tls-check').string();
  t.match(JSON.parse(raw ?? '{}'), { data: { a: 'b' } });

  await etcd.restart();
  let ok = false;
  for (let i = 0; i < 100 && !ok; i++) {
    ok = (await api.kubectl(['get', 'configmap', 'tls-check', '-o', 'name'])).code === 0;
    if (!ok) await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(ok, 'serving again after an etcd restart (reconnects with the same credentials)');
});

t.test(
  "started with the generated kube-apiserver.yaml's flags (paths rooted, own serving flags kept)",
  async (t) => {
    const pod = YAML.parse(
      await readFile(path.join(etcd.root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8'),
    );
    // the helper's own listener, serving certificate and client CA (its kubeconfig trusts them)
    const own = /^--(advertise-address|secure-port|tls-cert-file|tls-private-key-file|client-ca-file)=/;
    const flags = (pod.spec.containers[0].command as string[])
      .slice(1)
      .filter((a) => !own.test(a))
      .map((a) => a.replaceAll('/etc/kubernetes', path.join(etcd.root, 'etc/kubernetes')))
      .map((a) => (a.startsWith('--etcd-servers=') ? `--etcd-servers=${etcd.endpoint}` : a));
    t.ok(flags.length >= 25, `${flags.length} kubeadm flags`);
    const api = await startTestApiserver(t, { etcd, flags });
    const r = await api.kubectl(['get', 'configmap', 'tls-check', '-o', 'jsonpath={.data.a}']);
    t.equal(r.stdout, 'b', r.stderr);
  },
);

t.test(
  'without the client certificate flags the apiserver cannot reach etcd and exits on a bad file',
  async (t) => {
    await t.rejects(
      startTestApiserver(t, {
        etcd,
        flags: [`--etcd-cafile=${etcd.pki('etcd/ca.crt')}`, '--etcd-certfile=/nope', '--etcd-keyfile=/nope'],
      }),
      /exited/,
      'a missing certificate file stops the apiserver at start',
    );
  },
);
