/**
 * Pure parts of the ssh target: timings parsed from kubeadm manifests, kubelet config, haproxy and
 * keepalived configs (and from process command lines); the topology built from an inventory; the
 * kubeconfig's server; the VIP in `ip -o addr` output and the VIP holder's timeouts; the insecure
 * mark in the target's name.
 */
// hadrill-test: unit waits (alone: 4.0 s of wall time, 0.6 s of CPU; scripts/run-files.mjs)
import t from 'tap';
import { parseInventory } from '../../src/targets/inventory.ts';
import {
  apiserverTimings,
  controllerManagerTimings,
  etcdTimings,
  haproxyTimings,
  keepalivedTimings,
  kubeletTimings,
  mergeTimings,
  parseDuration,
  parseFlags,
} from '../../src/targets/kubeadm-profile-timings.ts';
import {
  holdsAddress,
  INSECURE_MARK,
  kubeconfigContext,
  kubeconfigServer,
  SshTarget,
  sshTopology,
} from '../../src/targets/ssh.ts';

const KCM = `apiVersion: v1
kind: Pod
metadata:
  name: kube-controller-manager
spec:
  containers:
  - command:
    - kube-controller-manager
    - --bind-address=127.0.0.1
    - --leader-elect=true
    - --node-monitor-grace-period=40s
    - --node-monitor-period=5s
    - --leader-elect-lease-duration=1m0s
    - --leader-elect-retry-period=2500ms
    image: registry.k8s.io/kube-controller-manager:v1.31.0
`;

t.test('durations and flags', async (t) => {
  t.equal(parseDuration('40s'), 40);
  t.equal(parseDuration('1m0s'), 60);
  t.equal(parseDuration('2500ms'), 2.5);
  t.equal(parseDuration('1h30m'), 5400);
  t.equal(parseDuration('15'), undefined, 'a bare number: a component would refuse it too');
  t.equal(parseDuration('1m30.5s'), 90.5);
  t.equal(parseDuration('soon'), undefined);
  t.equal(parseDuration(undefined), undefined);
  const f = parseFlags('node\0--a=1\0--b-c=2s\0"--d=x",--e=y');
  t.same(
    [...f],
    [
      ['a', '1'],
      ['b-c', '2s'],
      ['d', 'x'],
      ['e', 'y'],
    ],
  );
});

t.test('kubeadm sources', async (t) => {
  t.same(controllerManagerTimings(KCM), {
    nodeMonitorGracePeriodS: 40,
    nodeMonitorPeriodS: 5,
    leaseDurationS: 60,
    retryPeriodS: 2.5,
  });
  t.same(
    apiserverTimings(
      '    - --endpoint-reconciler-type=lease\n    - --default-unreachable-toleration-seconds=120\n',
    ),
    { masterLeaseTtlS: undefined, endpointReconcileIntervalS: undefined, tolerationSeconds: 120 },
  );
  t.same(etcdTimings('    - --heartbeat-interval=250\n    - --election-timeout=2500\n'), {
    etcdHeartbeatMs: 250,
    etcdElectionMs: 2500,
  });
  t.same(
    kubeletTimings(
      'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nnodeLeaseDurationSeconds: 40\n',
    ),
    { nodeLeaseRenewIntervalS: 10 },
  );
  t.same(kubeletTimings('node kubelet.mjs --node-lease-duration-seconds=8 --x=y'), {
    nodeLeaseRenewIntervalS: 2,
  });
  t.same(
    haproxyTimings(
      [
        'defaults',
        '    timeout check 3s',
        'backend kube-apiserver',
        '    option httpchk GET /readyz',
        '    default-server inter 2s fall 2 rise 2',
        '    server cp1 10.0.0.11:6443 check # inter 9s',
      ].join('\n'),
    ),
    { checkInterMs: 2000, fall: 2, checkTimeoutMs: 3000 },
  );
  t.same(haproxyTimings('  server a 1.2.3.4:6443 check inter 1000 fall 3\n  timeout check 500'), {
    checkInterMs: 1000,
    fall: 3,
    checkTimeoutMs: 500,
  });
  t.same(
    keepalivedTimings([
      'vrrp_instance VI_1 {\n    state MASTER\n    priority 101\n    advert_int 1\n}',
      'vrrp_instance VI_1 {\n    state BACKUP\n    priority 100\n    advert_int 1\n}',
    ]),
    { advertIntS: 1, priority: 100 },
  );
  t.same(mergeTimings({ leaseDurationS: 20 }, { leaseDurationS: 15, retryPeriodS: 2 }), {
    leaseDurationS: 20,
    retryPeriodS: 2,
  });
});

const inv = parseInventory(
  {
    name: 'staging',
    kubeconfig: '/k/admin.conf',
    api: { vip: '10.0.0.10' },
    defaults: { key: '/k/id' },
    hosts: [
      { name: 'cp1', address: '10.0.0.11', roles: ['control-plane'] },
      { name: 'cp2', address: '10.0.0.12', roles: ['control-plane'], etcdMember: 'member-2' },
      { name: 'e1', address: '10.0.0.41', roles: ['etcd'] },
      { name: 'lb1', address: '10.0.0.21', roles: ['lb'] },
      { name: 'w1', address: '10.0.0.31', roles: ['worker'] },
    ],
  },
  '/k/inv.yaml',
);

t.test('topology from the inventory', async (t) => {
  const topo = sshTopology(inv, 'https://10.0.0.10:6443', false);
  t.equal(topo.kind, 'ssh');
  t.equal(topo.name, 'staging');
  t.same(
    topo.apiservers.map((a) => a.url),
    ['https://10.0.0.11:6443', 'https://10.0.0.12:6443'],
  );
  t.same(
    topo.etcd,
    [{ host: 'e1', member: 'e1', url: 'https://10.0.0.41:2379', peerUrl: 'https://10.0.0.41:2380' }],
    'external etcd hosts, with the peer URL on the inventory port (no manifest read)',
  );
  t.same(topo.lbs, ['lb1']);
  t.equal(topo.vip, '10.0.0.10');
  t.same(
    topo.hosts.map((h) => h.nodeName),
    ['cp1', 'cp2', undefined, undefined, 'w1'],
  );
  t.match(sshTopology(inv, 'https://x', true).name, INSECURE_MARK, 'the opt-out is in the name');
  const withTls = parseInventory(
    {
      kubeconfig: 'k',
      etcd: { caFile: 'pki/ca.crt', certFile: 'pki/c.crt', keyFile: 'pki/c.key' },
      defaults: { agent: true },
      hosts: [{ name: 'cp1', address: '10.0.0.11', roles: ['control-plane', 'etcd', 'lb'] }],
    },
    '/k/i.yaml',
  );
  t.same(
    sshTopology(withTls, 'https://x', false).etcd[0]?.tls,
    { caFile: '/k/pki/ca.crt', certFile: '/k/pki/c.crt', keyFile: '/k/pki/c.key' },
    'etcd client certificates',
  );
  const stacked = parseInventory(
    {
      kubeconfig: 'k',
      defaults: { agent: true },
      hosts: inv.hosts
        .filter((h) => h.name !== 'e1')
        .map((h) => ({
          name: h.name,
          address: h.address,
          roles: h.roles,
          ...(h.name === 'cp2' ? { etcdMember: 'member-2' } : {}),
        })),
    },
    '/k/i.yaml',
  );
  t.same(
    sshTopology(stacked, 'https://x', false).etcd.map((e) => e.member),
    ['cp1', 'member-2'],
    'stacked: members on the control planes',
  );
});

t.test('kubeconfig server and VIP holder parsing', async (t) => {
  const kc = `apiVersion: v1
clusters:
- cluster: {server: 'https://10.0.0.10:6443'}
  name: prod
- cluster: {server: 'https://other:6443'}
  name: other
contexts:
- context: {cluster: prod, user: admin}
  name: admin@prod
- context: {cluster: other, user: admin}
  name: x
current-context: admin@prod
`;
  t.equal(kubeconfigServer(kc, 'k'), 'https://10.0.0.10:6443');
  t.equal(kubeconfigServer(kc, 'k', 'x'), 'https://other:6443');
  t.throws(() => kubeconfigServer(kc, 'k', 'nope'), /no server for context 'nope'/);
  // Malformed entries are a message naming the fix, not a TypeError.
  for (const bad of [
    'contexts:\n- name: c\ncurrent-context: c\n',
    'contexts: {}\nclusters: 3\ncurrent-context: c\n',
    'contexts:\n- name: c\n  context: {cluster: k}\nclusters:\n- name: k\ncurrent-context: c\n',
    'current-context: [1]\n',
    '42\n',
  ])
    t.throws(
      () => kubeconfigServer(bad, 'k'),
      {
        name: 'UserError',
        message:
          /kubeconfig k: no server for context .*: fix the kubeconfig .*, or set api\.url in the inventory/,
      },
      JSON.stringify(bad),
    );
  t.throws(
    () => kubeconfigContext('42\n', 'k', undefined, 'or pass --allow-any-context'),
    /, or pass --allow-any-context$/,
  );
  const out =
    '1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet 10.0.0.21/24 brd 10.0.0.255 scope global eth0\n2: eth0    inet 10.0.0.10/24 scope global secondary eth0\n';
  t.ok(holdsAddress(out, '10.0.0.10'));
  t.notOk(holdsAddress(out, '10.0.0.1'), 'no prefix match');
  t.notOk(holdsAddress(out, '10.0.0.2'));
});

t.test("the VIP holder: an LB's first contact gets the ssh connection's time, later reads 1 s", async (t) => {
  const two = parseInventory(
    {
      kubeconfig: '/k/admin.conf',
      api: { url: 'https://10.0.0.10:6443', vip: '10.0.0.10' },
      defaults: { key: '/k/id' },
      hosts: [
        { name: 'cp1', address: '10.0.0.11', roles: ['control-plane', 'etcd'] },
        { name: 'lb1', address: '10.0.0.21', roles: ['lb'] },
        { name: 'lb2', address: '10.0.0.22', roles: ['lb'] },
      ],
    },
    '/k/inv.yaml',
  );
  const target = new SshTarget(two);
  // A stand-in for the ssh executor: each LB answers after `delayMs`, or, as SshExecutor does when
  // no connection comes up in time, code 255 and timedOut at the timeout.
  const delayMs: Record<string, number> = { lb1: 1500, lb2: 1500 };
  const timeouts: number[] = [];
  target.executor.exec = (host: string, argv: readonly string[], o?: { timeoutMs?: number }) => {
    const timeoutMs = o?.timeoutMs ?? Number.POSITIVE_INFINITY;
    timeouts.push(timeoutMs);
    const addr = host === 'lb1' ? 'inet 10.0.0.10/32 scope global eth0' : 'inet 10.0.0.22/24';
    const late = timeoutMs < delayMs[host]!;
    const after = late ? timeoutMs : delayMs[host]!;
    const result = late
      ? {
          code: 255,
          stdout: '',
          stderr: `ssh ${host}: no connection within ${timeoutMs} ms\n`,
          timedOut: true,
        }
      : { code: 0, stdout: `2: eth0    ${addr}\n`, stderr: '', timedOut: false };
    return new Promise((resolve) =>
      setTimeout(() => resolve({ host, argv, durationMs: after, ...result }), after),
    );
  };
  t.equal(await target.vipHolder(), 'lb1', 'a 1.5 s first answer (a handshake on a loaded machine) counts');
  t.same(timeouts, [10_000, 10_000], 'first contact: the connection timeout');
  t.equal(await target.vipHolder(), null, 'once answered, 1.5 s is an LB gone');
  t.same(timeouts.slice(2), [1000, 1000]);
  delayMs.lb1 = 10;
  t.equal(await target.vipHolder(), 'lb1');
});
