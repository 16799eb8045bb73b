/**
 * The ssh target's inventory: a YAML file listing hosts (roles, address, port, user, key or
 * agent, sudo, known_hosts), the kubeconfig, the API and etcd endpoints, and optional command
 * overrides per action (for layouts that are not kubeadm's) and per timing source. Validated
 * with zod; a bad file is a UserError naming the file and the field (exit 2). Relative paths
 * are resolved against the inventory's directory, `~` against $HOME.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { UserError } from '../util/errors.ts';

export const ROLES = ['control-plane', 'etcd', 'lb', 'worker'] as const;

/** Action kinds a command can be overridden for (`kind` or `kind:component`). */
export const OVERRIDABLE = [
  'etcd-snapshot',
  'read-etcd-snapshot',
  'write-etcd-snapshot',
  'remove-etcd-snapshot',
  'keep-etcd-snapshot',
  'etcd-data-state',
  'wipe-etcd-data',
  'restore-etcd',
  'delay-fsync',
  'undelay-fsync',
  'fsync-delay-state',
  'etcd-fsync-metrics',
  'cert-expiry',
  'replace-etcd-member',
  'stop',
  'start',
  'running',
  'restart',
  'wait-ready',
  'partition',
  'heal-partition',
  'show-partition',
  'link-down',
  'link-up',
  'link-state',
] as const;

export const TIMING_SOURCES = [
  'controllerManager',
  'apiserver',
  'etcd',
  'kubelet',
  'haproxy',
  'keepalived',
] as const;
export type TimingSource = (typeof TIMING_SOURCES)[number];

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, . _ - only');
const port = z.number().int().min(1).max(65535);
/**
 * Values that end up in shell commands on the hosts: only the characters of their kind, so a
 * value can never carry shell syntax. An IPv4/IPv6 address or a DNS name; a Linux interface name
 * (at most 15 characters, IFNAMSIZ - 1).
 */
const address = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, 'an IP address or host name (letters, digits, . : - only)');
const iface = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,14}$/, 'an interface name (letters, digits, _ . @ -, at most 15)');

/** An absolute file path passed to the hosts' scripts (letters, digits, / . _ - only). */
const hostPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._/-]+$/, 'an absolute path (letters, digits, / . _ - only)')
  .refine((p) => !p.split('/').includes('..'), 'an absolute path without ..');

/** A shell command template: `{host}`, `{component}`, `{signal}`, ... are filled in, quoted. */
const commandOverride = z.union([
  z.string().min(1),
  z.strictObject({
    run: z.string().min(1),
    /** Where it runs: the action's host (default) or `local`, the harness machine. */
    on: z.enum(['host', 'local']).default('host'),
  }),
]);

const sshSettings = {
  port: port.optional(),
  user: z.string().min(1).optional(),
  /** Private key file; omit it (and set agent: true) to use $SSH_AUTH_SOCK. */
  key: z.string().min(1).optional(),
  agent: z.boolean().optional(),
  sudo: z.boolean().optional(),
  knownHosts: z.string().min(1).optional(),
};

const hostSchema = z.strictObject({
  name,
  address,
  roles: z.array(z.enum(ROLES)).min(1),
  /** Kubernetes Node name (default: the host name, for control planes and workers). */
  nodeName: z.string().min(1).optional(),
  /** Set false when the host is not a Kubernetes Node (e.g. control planes outside the cluster). */
  node: z.boolean().optional(),
  /** etcd member name (default: the host name, as kubeadm names members). */
  etcdMember: z.string().min(1).optional(),
  /** Interface taken down by the link-down fault (default eth0). */
  linkInterface: iface.optional(),
  ...sshSettings,
});

export const inventorySchema = z.strictObject({
  name: z.string().min(1).optional(),
  kubeconfig: z.string().min(1),
  /** Context in the kubeconfig (default: its current context). */
  context: z.string().min(1).optional(),
  api: z
    .strictObject({
      /** The API through the LB (default: the kubeconfig's server). */
      url: z.url().optional(),
      vip: address.optional(),
      /** Port of each apiserver on its control plane (default 6443). */
      port: port.default(6443),
    })
    .default({ port: 6443 }),
  etcd: z
    .strictObject({
      scheme: z.enum(['http', 'https']).default('https'),
      port: port.default(2379),
      peerPort: port.default(2380),
      caFile: z.string().min(1).optional(),
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
    })
    .default({ scheme: 'https', port: 2379, peerPort: 2380 }),
  defaults: z.strictObject(sshSettings).default({}),
  hosts: z.array(hostSchema).min(1),
  /** Per-action command overrides, keyed `kind` or `kind:component`. */
  overrides: z.record(z.string(), commandOverride).default({}),
  /**
   * The drill's cluster lock on each control plane (default /var/lib/ha-drill/drill.lock;
   * src/safety/cluster-lock.ts): a tmpfs path such as /run/... goes with a reboot.
   */
  lockPath: hostPath.optional(),
  /** Commands printing each timing source (default: the kubeadm files). */
  timingSources: z.partialRecord(z.enum(TIMING_SOURCES), z.string().min(1)).default({}),
});

export type InventoryFile = z.infer<typeof inventorySchema>;
export type CommandOverride = z.infer<typeof commandOverride>;

export interface InventoryHost {
  readonly name: string;
  readonly address: string;
  readonly roles: readonly (typeof ROLES)[number][];
  /** The Kubernetes Node name, when the host is a Node. */
  readonly nodeName?: string;
  readonly etcdMember: string;
  readonly linkInterface: string;
  readonly port: number;
  readonly user: string;
  readonly keyPath?: string;
  readonly sudo: boolean;
  readonly knownHostsPath: string;
}

export interface Inventory {
  readonly file: string;
  readonly name: string;
  readonly kubeconfig: string;
  readonly context?: string;
  readonly api: InventoryFile['api'];
  readonly etcd: InventoryFile['etcd'];
  readonly hosts: readonly InventoryHost[];
  readonly overrides: Readonly<Record<string, CommandOverride>>;
  readonly timingSources: Partial<Record<TimingSource, string>>;
  /** The cluster lock's file on each control plane (the profile's default when absent). */
  readonly lockPath?: string;
}

/**
 * The placeholders an override of action `kind` can use: what targets/kubeadm-profile.ts
 * `override()` fills in for that action (every value shell-quoted there).
 */
export function placeholdersOf(kind: (typeof OVERRIDABLE)[number]): string[] {
  const vars = ['host', 'address', 'node', 'iface'];
  if (
    kind === 'stop' ||
    kind === 'start' ||
    kind === 'running' ||
    kind === 'restart' ||
    kind === 'wait-ready'
  )
    vars.push('component');
  if (kind === 'wait-ready') vars.push('waitS');
  if (kind === 'stop') vars.push('signal');
  if (kind === 'restore-etcd') vars.push('member', 'token');
  if (kind === 'partition') vars.push('dports', 'sports');
  if (kind === 'link-down') vars.push('restoreAfterS');
  if (kind === 'delay-fsync') vars.push('delayMs', 'forS');
  if (kind === 'replace-etcd-member') vars.push('member', 'peerUrl', 'clientUrl', 'endpoints', 'mode');
  return vars;
}

function formatPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

/** Validates parsed YAML; every problem names the file and the field. */
export function parseInventory(data: unknown, file: string, env = process.env): Inventory {
  const res = inventorySchema.safeParse(data);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `  ${formatPath(i.path) || '(top level)'}: ${i.message}`);
    throw new UserError(`inventory ${file} is not valid:\n${lines.join('\n')}`);
  }
  const inv = res.data;
  const dir = path.dirname(path.resolve(file));
  const home = env.HOME ?? os.homedir();
  const abs = (p: string): string =>
    p.startsWith('~/') ? path.join(home, p.slice(2)) : path.resolve(dir, p);
  const problems: string[] = [];
  const seen = new Set<string>();
  const hosts = inv.hosts.map((h, i): InventoryHost => {
    if (seen.has(h.name)) problems.push(`hosts[${i}].name: '${h.name}' is listed twice`);
    seen.add(h.name);
    if (h.name === 'local') problems.push(`hosts[${i}].name: 'local' is reserved for the harness machine`);
    const key = h.key ?? inv.defaults.key;
    const agent = h.agent ?? inv.defaults.agent ?? false;
    if (!key && !agent) problems.push(`hosts[${i}].key: set a key file (here or in defaults) or agent: true`);
    return {
      name: h.name,
      address: h.address,
      roles: h.roles,
      nodeName:
        h.node === false || !(h.roles.includes('worker') || h.roles.includes('control-plane'))
          ? undefined
          : (h.nodeName ?? h.name),
      etcdMember: h.etcdMember ?? h.name,
      linkInterface: h.linkInterface ?? 'eth0',
      port: h.port ?? inv.defaults.port ?? 22,
      user: h.user ?? inv.defaults.user ?? 'root',
      keyPath: key ? abs(key) : undefined,
      sudo: h.sudo ?? inv.defaults.sudo ?? false,
      knownHostsPath: abs(h.knownHosts ?? inv.defaults.knownHosts ?? '~/.ssh/known_hosts'),
    };
  });
  for (const role of ['control-plane', 'lb'] as const) {
    if (!hosts.some((h) => h.roles.includes(role))) problems.push(`hosts: no host has the role '${role}'`);
  }
  for (const [k, o] of Object.entries(inv.overrides)) {
    const [kind, component] = k.split(':');
    if (
      !(OVERRIDABLE as readonly string[]).includes(kind ?? '') ||
      k.split(':').length > 2 ||
      component === ''
    ) {
      problems.push(
        `overrides.${k}: unknown action; keys are ${OVERRIDABLE.join(', ')}, optionally ':<component>' (e.g. stop:kube-apiserver)`,
      );
      continue;
    }
    const known = placeholdersOf(kind as (typeof OVERRIDABLE)[number]);
    const unknown = [...(typeof o === 'string' ? o : o.run).matchAll(/\{([a-zA-Z]+)\}/g)]
      .map((m) => m[1]!)
      .filter((v) => !known.includes(v));
    if (unknown.length > 0)
      problems.push(
        `overrides.${k}: unknown placeholder ${unknown.map((v) => `{${v}}`).join(' ')}; this action has ${known.map((v) => `{${v}}`).join(' ')}`,
      );
  }
  const tlsFiles = [inv.etcd.caFile, inv.etcd.certFile, inv.etcd.keyFile].filter(Boolean).length;
  if (tlsFiles !== 0 && tlsFiles !== 3)
    problems.push('etcd: set caFile, certFile and keyFile together (or none)');
  if (problems.length > 0) throw new UserError(`inventory ${file} is not valid:\n  ${problems.join('\n  ')}`);
  const etcd = {
    ...inv.etcd,
    caFile: inv.etcd.caFile && abs(inv.etcd.caFile),
    certFile: inv.etcd.certFile && abs(inv.etcd.certFile),
    keyFile: inv.etcd.keyFile && abs(inv.etcd.keyFile),
  };
  return {
    file: path.resolve(file),
    name: inv.name ?? `ssh:${path.basename(file)}`,
    kubeconfig: abs(inv.kubeconfig),
    context: inv.context,
    api: inv.api,
    etcd,
    hosts,
    overrides: inv.overrides,
    timingSources: inv.timingSources,
    ...(inv.lockPath ? { lockPath: inv.lockPath } : {}),
  };
}

/** Reads and validates an inventory file (UserError when missing, not YAML, or invalid). */
export function loadInventory(file: string): Inventory {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read inventory ${file}: ${(err as Error).message}`);
  }
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) {
    throw new UserError(`inventory ${file} is not valid YAML: ${doc.errors[0]!.message}`);
  }
  return parseInventory(doc.toJS(), file);
}
