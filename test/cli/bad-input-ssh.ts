/**
 * The ssh target's bad inputs for bad-input.test.ts: inventories (shell syntax in addresses and
 * interface names, ports, placeholders, roles) and the files they name (keys, known_hosts,
 * kubeconfigs), each refused before any connection. Fixtures are written into `dir`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { type BadInput, drill, plain } from './bad-input-cases.ts';

/** A token in the fixtures' kubeconfigs: no message may print it. */
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.sig';

/** The ssh keys the cases name: `plain` (no passphrase) and `encrypted` (passphrase 'right horse'). */
function keygen(dir: string): void {
  for (const [name, passphrase] of [
    ['plain', ''],
    ['encrypted', 'right horse'],
  ] as const)
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      passphrase,
      '-f',
      path.join(dir, name),
      '-C',
      'drill',
    ]);
}

export function sshCases(dir: string): BadInput[] {
  keygen(dir);
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const kubeconfig = file(
    'admin.conf',
    YAML.stringify({
      'current-context': 'c',
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      clusters: [{ name: 'k', cluster: { server: 'https://10.0.0.10:6443' } }],
      users: [{ name: 'u', user: { token: TOKEN } }],
    }),
  );
  /** A kubeconfig with a second context whose cluster is elsewhere. */
  const twoContexts = file(
    'two.conf',
    YAML.stringify({
      'current-context': 'c',
      contexts: [
        { name: 'c', context: { cluster: 'k', user: 'u' } },
        { name: 'other', context: { cluster: 'k2', user: 'u' } },
      ],
      clusters: [
        { name: 'k', cluster: { server: 'https://10.0.0.10:6443' } },
        { name: 'k2', cluster: { server: 'https://10.0.0.77:6443' } },
      ],
      users: [{ name: 'u', user: { token: TOKEN } }],
    }),
  );
  const knownHosts = file('known_hosts', '10.0.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG\n');
  const host = (name: string, roles: string[], extra: Record<string, unknown> = {}) => ({
    name,
    address: `10.0.0.${10 + name.length + roles.length}`,
    roles,
    ...extra,
  });
  const base = {
    kubeconfig,
    defaults: { key: path.join(dir, 'plain'), knownHosts },
    hosts: [host('cp1', ['control-plane', 'etcd']), host('lb1', ['lb']), host('w1', ['worker'])],
  };
  /** A drill config pinning the good base's cluster, with `change` applied to its entry. */
  const pin = (change: Record<string, unknown>) =>
    YAML.stringify({
      allowedContexts: [
        {
          context: 'c',
          server: 'https://10.0.0.10:6443',
          hosts: base.hosts.map((h) => h.address),
          ...change,
        },
      ],
    });
  /** An inventory: the good base with `change` applied. */
  const inv = (name: string, change: (d: typeof base & Record<string, unknown>) => void) => {
    const d = structuredClone(base) as typeof base & Record<string, unknown>;
    change(d);
    return file(`${name}.yaml`, YAML.stringify(d));
  };
  const h0 = (d: typeof base) => d.hosts[0] as Record<string, unknown>;
  const ssh = (inventory: string, ...a: string[]) =>
    drill('apiserver-kill', '--target', 'ssh', '--inventory', inventory, ...a);
  const aFile = file('garbage-key', 'x');
  return [
    // ssh: the inventory and the files it names, checked before any connection.
    {
      name: 'ssh no inventory',
      args: drill('apiserver-kill', '--target', 'ssh'),
      says: /--target ssh needs --inventory FILE/,
    },
    {
      name: 'ssh inventory missing',
      args: ssh(path.join(dir, 'none.yaml')),
      says: /cannot read inventory .*none\.yaml/,
    },
    {
      name: 'ssh inventory not YAML',
      args: ssh(file('broken.yaml', 'hosts: [\n')),
      says: /broken\.yaml is not valid YAML/,
    },
    {
      name: 'ssh address with ;',
      args: ssh(
        inv('addr', (d) => {
          h0(d).address = '127.0.0.1;touch /tmp/x';
        }),
      ),
      says: /hosts\[0\]\.address: an IP address or host name/,
    },
    {
      name: 'ssh address with $()',
      args: ssh(
        inv('addr2', (d) => {
          h0(d).address = '$(id)';
        }),
      ),
      says: /hosts\[0\]\.address: an IP address or host name/,
    },
    {
      name: 'ssh iface $()',
      args: ssh(
        inv('if1', (d) => {
          h0(d).linkInterface = 'eth0$(id)';
        }),
      ),
      says: /hosts\[0\]\.linkInterface: an interface name/,
    },
    {
      name: 'ssh lockPath shell',
      args: ssh(
        inv('lp1', (d) => {
          d.lockPath = '/run/x;id';
        }),
      ),
      says: /lockPath: an absolute path \(letters, digits, \/ \. _ - only\)/,
    },
    {
      name: 'ssh lockPath relative',
      args: ssh(
        inv('lp2', (d) => {
          d.lockPath = '/run/../etc/passwd';
        }),
      ),
      says: /lockPath: an absolute path without \.\./,
    },
    {
      name: 'ssh iface quote',
      args: ssh(
        inv('if2', (d) => {
          h0(d).linkInterface = "eth0'";
        }),
      ),
      says: /linkInterface: an interface name/,
    },
    {
      name: 'ssh iface long',
      args: ssh(
        inv('if3', (d) => {
          h0(d).linkInterface = 'a234567890123456';
        }),
      ),
      says: /linkInterface: an interface name .*at most 15/,
    },
    {
      name: 'ssh port 0',
      args: ssh(
        inv('p0', (d) => {
          h0(d).port = 0;
        }),
      ),
      says: /hosts\[0\]\.port: /,
    },
    {
      name: 'ssh port 70000',
      args: ssh(
        inv('p7', (d) => {
          h0(d).port = 70000;
        }),
      ),
      says: /hosts\[0\]\.port: /,
    },
    {
      name: 'ssh port string',
      args: ssh(
        inv('ps', (d) => {
          h0(d).port = '22';
        }),
      ),
      says: /hosts\[0\]\.port: /,
    },
    {
      name: 'ssh name with space',
      args: ssh(
        inv('nm', (d) => {
          h0(d).name = 'cp 1';
        }),
      ),
      says: /hosts\[0\]\.name: letters, digits/,
    },
    {
      name: 'ssh name local',
      args: ssh(
        inv('loc', (d) => {
          h0(d).name = 'local';
        }),
      ),
      says: /'local' is reserved for the harness machine/,
    },
    {
      name: 'ssh duplicate host',
      args: ssh(
        inv('dup', (d) => {
          d.hosts.push(host('cp1', ['worker']));
        }),
      ),
      says: /'cp1' is listed twice/,
    },
    {
      name: 'ssh no lb',
      args: ssh(
        inv('nolb', (d) => {
          d.hosts.splice(1, 1);
        }),
      ),
      says: /no host has the role 'lb'/,
    },
    {
      name: 'ssh bad role',
      args: ssh(
        inv('role', (d) => {
          h0(d).roles = ['master'];
        }),
      ),
      says: /hosts\[0\]\.roles\[0\]: /,
    },
    {
      name: 'ssh no key no agent',
      args: ssh(
        inv('nokey', (d) => {
          d.defaults = { knownHosts } as never;
        }),
      ),
      says: /set a key file \(here or in defaults\) or agent: true/,
    },
    {
      name: 'ssh unknown top key',
      args: ssh(
        inv('top', (d) => {
          d.sshPort = 22;
        }),
      ),
      says: /\(top level\): .*sshPort/,
    },
    {
      name: 'ssh placeholder unknown',
      args: ssh(
        inv('ph1', (d) => {
          d.overrides = { 'stop:kubelet': 'systemctl kill -s {sig} kubelet' };
        }),
      ),
      says: /overrides\.stop:kubelet: unknown placeholder \{sig\}; this action has .*\{signal\}/,
    },
    {
      name: 'ssh placeholder not of action',
      args: ssh(
        inv('ph2', (d) => {
          d.overrides = { 'link-up': { run: 'virsh x {member}', on: 'local' } };
        }),
      ),
      says: /overrides\.link-up: unknown placeholder \{member\}/,
    },
    {
      name: 'ssh override unknown action',
      args: ssh(
        inv('ov', (d) => {
          d.overrides = { reboot: 'reboot' };
        }),
      ),
      says: /overrides\.reboot: unknown action; keys are/,
    },
    {
      name: 'ssh etcd tls partial',
      args: ssh(
        inv('tls', (d) => {
          d.etcd = { caFile: 'ca.crt' };
        }),
      ),
      says: /set caFile, certFile and keyFile together/,
    },
    {
      name: 'ssh key missing',
      args: ssh(
        inv('k1', (d) => {
          d.defaults.key = path.join(dir, 'nokey');
        }),
      ),
      says: /key .*nokey cannot be read \(ENOENT\): fix the path or set agent: true/,
    },
    {
      name: 'ssh key encrypted',
      args: ssh(
        inv('k2', (d) => {
          d.defaults.key = path.join(dir, 'encrypted');
        }),
      ),
      says: /key .*encrypted is encrypted: put its passphrase in \$HADRILL_SSH_KEY_PASSPHRASE, or load it into ssh-agent/,
    },
    {
      name: 'ssh key wrong passphrase',
      args: ssh(
        inv('k3', (d) => {
          d.defaults.key = path.join(dir, 'encrypted');
        }),
      ),
      env: { HADRILL_SSH_KEY_PASSPHRASE: 'wrong' },
      says: /the passphrase in \$HADRILL_SSH_KEY_PASSPHRASE does not decrypt it: set the right one/,
    },
    {
      name: 'ssh key garbage',
      args: ssh(
        inv('k4', (d) => {
          d.defaults.key = aFile;
        }),
      ),
      says: /key .*garbage-key is not a private key ssh can use .*: name the private key file/,
    },
    {
      name: 'ssh key is public',
      args: ssh(
        inv('k5', (d) => {
          d.defaults.key = path.join(dir, 'plain.pub');
        }),
      ),
      says: /key .*plain\.pub is a public key: name the private key file/,
    },
    {
      name: 'ssh known_hosts missing',
      args: ssh(
        inv('kh1', (d) => {
          d.defaults.knownHosts = path.join(dir, 'nokh');
        }),
      ),
      says: /known_hosts .*nokh cannot be read \(ENOENT\): set knownHosts .* or run with --insecure-ignore-host-keys/,
    },
    {
      name: 'ssh known_hosts cert-authority',
      args: ssh(
        inv('kh2', (d) => {
          d.defaults.knownHosts = file('ca_known_hosts', '@cert-authority *.example ssh-ed25519 AAAA\n');
        }),
      ),
      says: /@cert-authority \(line 1\) is not supported: .*list the hosts' keys instead/,
    },
    {
      name: 'ssh kubeconfig missing',
      args: ssh(
        inv('kc1', (d) => {
          d.kubeconfig = path.join(dir, 'nokc');
        }),
      ),
      says: /kubeconfig .*nokc cannot be read \(ENOENT\): fix 'kubeconfig' in the inventory/,
    },
    {
      name: 'ssh kubeconfig malformed',
      args: ssh(
        inv('kc2', (d) => {
          d.kubeconfig = file('bad.conf', `users:\n- name: u\n  user:\n    token: "${TOKEN}\n  x: [`);
        }),
      ),
      says: /kubeconfig .*bad\.conf is not valid YAML \(line \d+, column \d+\): fix the file \(its content is not shown/,
      never: /c2VjcmV0/,
    },
    {
      name: 'ssh kubeconfig no server',
      args: ssh(
        inv('kc3', (d) => {
          d.kubeconfig = file('noserver.conf', `users:\n- name: u\n  user: { token: ${TOKEN} }\n`);
        }),
      ),
      says: /kubeconfig .*noserver\.conf: no server for context '\(none\)': fix the kubeconfig \(the context, its cluster and the cluster's server\), or set api\.url in the inventory/,
      never: /c2VjcmV0/,
    },
    {
      name: 'ssh host not a control plane',
      args: ssh(file('good.yaml', YAML.stringify(base)), '--host', 'w1'),
      says: /--host w1 runs no kube-apiserver: choose one of cp1/,
    },
    {
      name: 'ssh member unknown',
      args: drill(
        'etcd-partition',
        '--target',
        'ssh',
        '--inventory',
        path.join(dir, 'good.yaml'),
        '--member',
        'lb1',
      ),
      says: /--member lb1 is not an etcd member: choose one of cp1/,
    },
    // A good inventory: the pin refuses it before any connection (src/cli/pin.ts).
    {
      name: 'ssh not pinned',
      args: ssh(path.join(dir, 'good.yaml')),
      says: /--target ssh needs the cluster pinned \(inventory .*good\.yaml, context c\): list it under allowedContexts in a drill config \(--config FILE\):\n {4}allowedContexts:\n {6}- context: c\n {8}server: https:\/\/10\.0\.0\.10:6443\n {8}hosts:\n {10}- 10\.0\.0\.15\n {10}- 10\.0\.0\.14\n {10}- 10\.0\.0\.13\n {2}or pass --allow-any-context/,
      never: /c2VjcmV0/,
    },
    {
      name: 'ssh dry-run not pinned',
      args: plain(
        'apiserver-kill',
        '--target',
        'ssh',
        '--inventory',
        path.join(dir, 'good.yaml'),
        '--dry-run',
      ),
      says: /--target ssh needs the cluster pinned/,
    },
    {
      name: 'ssh pinned by context name only',
      args: ssh(path.join(dir, 'good.yaml'), '--config', file('pin-name.yaml', 'allowedContexts: [c]\n')),
      says: /allowedContexts\[0\]\.server: not pinned \(a context name alone fits every kubeadm cluster\)\n {2}allowedContexts\[0\]\.hosts: not pinned[\s\S]*write this entry in the drill config .*pin-name\.yaml/,
    },
    {
      name: 'ssh pinned to another server',
      args: ssh(
        path.join(dir, 'good.yaml'),
        '--config',
        file('pin-server.yaml', pin({ server: 'https://10.9.9.9:6443' })),
      ),
      says: /allowedContexts\[0\]\.server: the kubeconfig's is https:\/\/10\.0\.0\.10:6443, the entry says https:\/\/10\.9\.9\.9:6443/,
    },
    {
      name: 'ssh inventory has a host the pin lacks',
      args: ssh(
        inv('extra-host', (d) => {
          d.hosts.push(host('w2', ['worker'], { address: '10.0.0.99' }));
        }),
        '--config',
        file('pin-hosts.yaml', pin({})),
      ),
      says: /allowedContexts\[0\]\.hosts: the inventory has 10\.0\.0\.99, the entry does not/,
    },
    {
      name: "ssh inventory's context is the one compared",
      args: ssh(
        inv('other-context', (d) => {
          d.context = 'other';
          d.kubeconfig = twoContexts;
        }),
        '--config',
        file('pin-ctx.yaml', pin({})),
      ),
      says: /kube context 'other' \(inventory .*other-context\.yaml\) is not in allowedContexts \(c\)[\s\S]*server: https:\/\/10\.0\.0\.77:6443/,
      never: /c2VjcmV0/,
    },
    {
      name: 'ssh api.url not pinned',
      args: ssh(
        inv('api-url', (d) => {
          d.api = { url: 'https://lb.example:6443' };
        }),
        '--config',
        file('pin-api.yaml', pin({})),
      ),
      says: /allowedContexts\[0\]\.apiUrl: not pinned \(the inventory's api\.url https:\/\/lb\.example:6443 is not the kubeconfig's server\)/,
    },
    {
      name: 'ssh inventory context missing',
      args: ssh(
        inv('no-context', (d) => {
          d.context = 'nope';
          d.api = { url: 'https://lb.example:6443' };
        }),
        '--allow-any-context',
      ),
      says: /kubeconfig .*admin\.conf: no server for context 'nope'/,
      never: /c2VjcmV0/,
    },
    {
      name: 'ssh dry-run bad address',
      args: plain(
        'apiserver-kill',
        '--target',
        'ssh',
        '--inventory',
        path.join(dir, 'addr.yaml'),
        '--dry-run',
      ),
      says: /hosts\[0\]\.address: /,
    },
  ];
}
