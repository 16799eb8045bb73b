/**
 * Inventory validation: a good file resolves defaults and paths; every bad field is reported with
 * the file and the field's path (UserError, exit 2); overrides keys are checked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import { loadInventory, parseInventory } from '../../src/targets/inventory.ts';
import { UserError } from '../../src/util/errors.ts';

const good = {
  kubeconfig: 'admin.conf',
  defaults: { user: 'ops', key: '~/.ssh/drill', sudo: true },
  hosts: [
    { name: 'cp1', address: '10.0.0.11', roles: ['control-plane', 'etcd'] },
    { name: 'lb1', address: '10.0.0.21', roles: ['lb'], port: 2222, user: 'root', sudo: false },
    { name: 'w1', address: '10.0.0.31', roles: ['worker'], nodeName: 'worker-1', key: '/keys/w1' },
  ],
  overrides: {
    'stop:kubelet': 'systemctl kill kubelet',
    'link-down': { run: 'virsh x {host}', on: 'local' },
  },
};

t.test('a good inventory resolves defaults and paths', async (t) => {
  const inv = parseInventory(good, '/etc/drill/prod.yaml', { HOME: '/home/sre' });
  t.equal(inv.name, 'ssh:prod.yaml');
  t.equal(inv.kubeconfig, '/etc/drill/admin.conf', 'relative to the inventory');
  t.equal(inv.api.port, 6443);
  t.same([inv.etcd.scheme, inv.etcd.port, inv.etcd.peerPort], ['https', 2379, 2380]);
  const [cp1, lb1, w1] = inv.hosts;
  t.match(cp1, { user: 'ops', port: 22, sudo: true, keyPath: '/home/sre/.ssh/drill', nodeName: 'cp1' });
  t.equal(cp1!.knownHostsPath, '/home/sre/.ssh/known_hosts');
  t.match(lb1, { user: 'root', port: 2222, sudo: false, nodeName: undefined });
  t.match(w1, { keyPath: '/keys/w1', nodeName: 'worker-1', linkInterface: 'eth0' });
  t.same(inv.overrides['link-down'], { run: 'virsh x {host}', on: 'local' });
});

const bad = (mutate: (d: Record<string, unknown>) => void): string => {
  const d = structuredClone(good) as Record<string, unknown>;
  mutate(d);
  try {
    parseInventory(d, 'prod.yaml');
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
  return 'accepted';
};

t.test('bad inventories name the file and the field', async (t) => {
  const hosts = (d: Record<string, unknown>) => d.hosts as Record<string, unknown>[];
  t.match(
    bad((d) => delete d.kubeconfig),
    /inventory prod\.yaml is not valid:\n {2}kubeconfig:/,
  );
  t.match(
    bad((d) => (hosts(d)[1]!.roles = ['balancer'])),
    /hosts\[1\]\.roles\[0\]/,
  );
  t.match(
    bad((d) => (hosts(d)[0]!.port = 70000)),
    /hosts\[0\]\.port/,
  );
  t.match(
    bad((d) => (hosts(d)[0]!.adress = 'x')),
    /hosts\[0\]/,
    'unknown keys are typos',
  );
  t.match(
    bad((d) => (hosts(d)[2]!.name = 'cp1')),
    /hosts\[2\]\.name: 'cp1' is listed twice/,
  );
  t.match(
    bad((d) => (hosts(d)[2]!.name = 'local')),
    /'local' is reserved/,
  );
  t.match(
    bad((d) => (d.hosts = [hosts(d)[2]])),
    /no host has the role 'control-plane'/,
  );
  t.match(
    bad((d) => {
      d.defaults = {};
      hosts(d)[0]!.key = undefined;
    }),
    /hosts\[0\]\.key: set a key file/,
  );
  t.match(
    bad((d) => (d.overrides = { 'kill:etcd': 'x' })),
    /overrides\.kill:etcd: unknown action/,
  );
  t.match(
    bad((d) => (d.api = { url: 'not a url' })),
    /api\.url/,
  );
  t.match(
    bad((d) => (d.etcd = { scheme: 'ftp' })),
    /etcd\.scheme/,
  );
  t.equal(
    bad((d) => (hosts(d)[0]!.agent = true)),
    'accepted',
  );
});

t.test('values that reach a shell carry only their own characters (issue 13)', async (t) => {
  const hosts = (d: Record<string, unknown>) => d.hosts as Record<string, unknown>[];
  for (const iface of ['eth0$(touch /tmp/pwned)', 'eth0;reboot', 'eth 0', "eth0'", 'a-name-longer-than-15']) {
    t.match(
      bad((d) => (hosts(d)[0]!.linkInterface = iface)),
      /hosts\[0\]\.linkInterface: an interface name/,
      iface,
    );
  }
  for (const address of ['127.0.0.1;touch /tmp/pwned', '10.0.0.1 ', '$(id)', '-oProxyCommand=x', '']) {
    t.match(
      bad((d) => (hosts(d)[1]!.address = address)),
      /hosts\[1\]\.address: an IP address or host name/,
      address,
    );
  }
  t.match(
    bad((d) => (d.api = { vip: '10.0.0.10|x' })),
    /api\.vip: an IP address/,
  );
  for (const [address, iface] of [
    ['fd00::11', 'ens3'],
    ['cp1.example.org', 'bond0.100'],
    ['10.0.0.11', 'eth0@if12'],
  ]) {
    t.equal(
      bad((d) => {
        hosts(d)[0]!.address = address;
        hosts(d)[0]!.linkInterface = iface;
      }),
      'accepted',
      `${address} ${iface}`,
    );
  }
});

t.test('files: missing, not YAML, valid', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-inv-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  t.throws(() => loadInventory(path.join(dir, 'nope.yaml')), /cannot read inventory .*nope\.yaml/);
  fs.writeFileSync(path.join(dir, 'bad.yaml'), 'hosts: [\n');
  t.throws(() => loadInventory(path.join(dir, 'bad.yaml')), /bad\.yaml is not valid YAML/);
  fs.writeFileSync(path.join(dir, 'ok.yaml'), YAML.stringify(good));
  t.equal(loadInventory(path.join(dir, 'ok.yaml')).hosts.length, 3);
});
