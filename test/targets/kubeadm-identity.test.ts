/**
 * Node identity from kubeadm's manifests (flags as kubernetes/kubernetes
 * cmd/kubeadm/app/phases/etcd/local.go and controlplane/manifests.go write them), on a multi-NIC
 * node where ssh reaches 10.0.0.11 but the cluster uses 192.168.10.11: the topology's apiserver
 * IP, etcd member name and URLs, the restore's --initial-cluster and the partition's ports all
 * come from the manifests. The manifests are read by a real shell, with /etc/kubernetes mapped
 * to a scratch dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import { runLocal } from '../../src/executors/local.ts';
import type { Executor } from '../../src/executors/types.ts';
import { parseInventory } from '../../src/targets/inventory.ts';
import {
  apiserverIdentity,
  etcdIdentity,
  type NodeIdentity,
  readNodeIdentity,
} from '../../src/targets/kubeadm-identity.ts';
import { ETCD_PARTITION } from '../../src/targets/partition.ts';
import { sshProfile, sshTopology } from '../../src/targets/ssh.ts';

const pod = (name: string, command: string[]) =>
  YAML.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'kube-system' },
    spec: { containers: [{ name, image: `registry.k8s.io/${name}:v1.34.1`, command }], hostNetwork: true },
  });

const etcdManifest = (node: string, ip: string) =>
  pod('etcd', [
    'etcd',
    `--advertise-client-urls=https://${ip}:2379`,
    '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
    '--client-cert-auth=true',
    '--data-dir=/var/lib/etcd',
    `--initial-advertise-peer-urls=https://${ip}:2390`,
    `--initial-cluster=${node}=https://${ip}:2390`,
    `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
    `--listen-peer-urls=https://${ip}:2390`,
    `--name=${node}`,
  ]);

const apiserverManifest = (ip: string) =>
  pod('kube-apiserver', [
    'kube-apiserver',
    `--advertise-address=${ip}`,
    '--etcd-servers=https://127.0.0.1:2379',
    '--secure-port=6443',
  ]);

t.test('manifests parse into the identity kubeadm wrote', async (t) => {
  t.same(apiserverIdentity(apiserverManifest('192.168.10.11'), 'a.yaml'), {
    ip: '192.168.10.11',
    port: 6443,
  });
  t.same(etcdIdentity(etcdManifest('node-a', '192.168.10.11'), 'e.yaml'), {
    name: 'node-a',
    clientUrl: 'https://192.168.10.11:2379',
    peerUrl: 'https://192.168.10.11:2390',
    clientPort: 2379,
    peerPort: 2390,
    dataDir: '/var/lib/etcd',
  });
  t.throws(
    () => apiserverIdentity(pod('kube-apiserver', ['kube-apiserver']), 'cp1:a.yaml'),
    /cp1:a\.yaml: no --advertise-address/,
  );
  t.throws(() => etcdIdentity('spec: [', 'e.yaml'), /e\.yaml is not YAML/);
  t.throws(
    () => etcdIdentity(etcdManifest('n', '10.0.0.1').replace('--name=n', '--nom=n'), 'e.yaml'),
    /e\.yaml: no --name/,
  );
});

t.test('read over the executor: live, else parked, else absent (inventory fallback)', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-identity-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const dir = (host: string, sub: string) => path.join(root, host, 'etc/kubernetes', sub);
  fs.mkdirSync(dir('cp1', 'manifests'), { recursive: true });
  fs.mkdirSync(dir('cp2', 'hadrill-parked'), { recursive: true });
  fs.writeFileSync(path.join(dir('cp1', 'manifests'), 'etcd.yaml'), etcdManifest('node-a', '192.168.10.11'));
  fs.writeFileSync(
    path.join(dir('cp1', 'manifests'), 'kube-apiserver.yaml'),
    apiserverManifest('192.168.10.11'),
  );
  // cp2: a drill killed mid-fault left its manifests parked.
  fs.writeFileSync(
    path.join(dir('cp2', 'hadrill-parked'), 'etcd.yaml'),
    etcdManifest('node-b', '192.168.10.12'),
  );
  fs.writeFileSync(
    path.join(dir('cp2', 'hadrill-parked'), 'kube-apiserver.yaml'),
    apiserverManifest('192.168.10.12'),
  );
  const executor: Executor = {
    kind: 'local',
    hosts: () => ['cp1', 'cp2', 'cp3'],
    exec: (host, argv, opts) =>
      runLocal(
        argv.map((a) => a.replaceAll('/etc/kubernetes', path.join(root, host, 'etc/kubernetes'))),
        { ...opts, host },
      ),
    close: async () => {},
  };
  const want = { apiserver: true, etcd: true };
  const ids = new Map<string, NodeIdentity>();
  for (const h of ['cp1', 'cp2', 'cp3']) ids.set(h, (await readNodeIdentity(executor, h, want)).identity);
  t.equal(ids.get('cp1')?.apiserver?.ip, '192.168.10.11');
  t.equal(ids.get('cp2')?.etcd?.name, 'node-b', 'parked manifest');
  const cp3 = await readNodeIdentity(executor, 'cp3', want);
  t.same(cp3.identity, {});
  t.match(cp3.notes.join('\n'), /cp3:\/etc\/kubernetes\/manifests\/kube-apiserver\.yaml: not found/);

  const inv = parseInventory(
    {
      kubeconfig: '/k/admin.conf',
      defaults: { key: '/k/id' },
      hosts: [
        { name: 'cp1', address: '10.0.0.11', roles: ['control-plane', 'etcd'] },
        { name: 'cp2', address: '10.0.0.12', roles: ['control-plane', 'etcd'] },
        { name: 'cp3', address: '10.0.0.13', roles: ['control-plane', 'etcd'] },
        { name: 'lb1', address: '10.0.0.21', roles: ['lb'] },
      ],
    },
    '/k/inv.yaml',
  );
  const topo = sshTopology(inv, 'https://10.0.0.10:6443', false, ids);
  t.same(
    topo.apiservers.map((a) => [a.ip, a.url]),
    [
      ['192.168.10.11', 'https://192.168.10.11:6443'],
      ['192.168.10.12', 'https://192.168.10.12:6443'],
      ['10.0.0.13', 'https://10.0.0.13:6443'],
    ],
    'the advertise address, not the ssh address (cp3 without manifests: the inventory)',
  );
  t.same(
    topo.etcd.map((e) => [e.member, e.url]),
    [
      ['node-a', 'https://192.168.10.11:2379'],
      ['node-b', 'https://192.168.10.12:2379'],
      ['cp3', 'https://10.0.0.13:2379'],
    ],
  );
  const profile = sshProfile(inv, ids);
  t.match(
    profile.script({ kind: 'restore-etcd', host: 'cp1', member: 'node-a', token: 'x' }),
    /--initial-cluster node-a=https:\/\/192\.168\.10\.11:2390,node-b=https:\/\/192\.168\.10\.12:2390,cp3=https:\/\/10\.0\.0\.13:2380 .*--initial-advertise-peer-urls https:\/\/192\.168\.10\.11:2390 /,
  );
  t.match(
    profile.script({ kind: 'partition', host: 'cp1', spec: ETCD_PARTITION }),
    /--dports 2379,2390 .*--sports 2390 /s,
  );
  t.same(profile.reachability('cp1'), { address: '10.0.0.11', port: 22 }, 'reached through ssh, as before');
  t.equal(profile.lockPath, undefined, 'the cluster lock where the profile keeps it by default');
  t.equal(
    sshProfile({ ...inv, lockPath: '/run/ha-drill/drill.lock' }, ids).lockPath,
    '/run/ha-drill/drill.lock',
    "the inventory's lockPath",
  );
});
