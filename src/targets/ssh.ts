/**
 * The ssh target: existing VMs (kubeadm by default) listed in an inventory. Topology from the
 * inventory (and the kubeconfig's server for the API through the LB) and each node's identity
 * from its static-pod manifests (apiserver advertise address and port, etcd member name, client
 * and peer URLs, data dir; the inventory's address is only how ssh reaches it), the ssh2 executor, the
 * kubeadm host profile with the inventory's overrides, timings read from the hosts (manifests,
 * kubelet config, haproxy/keepalived configs, or the inventory's timing sources), and the VIP
 * holder read from the LB hosts' addresses.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { SshExecutor, type SshOptions } from '../executors/ssh.ts';
import { UserError } from '../util/errors.ts';
import { type HaTimings, KUBE_DEFAULTS, type TimingInputs } from './defaults.ts';
import type { Inventory, InventoryHost } from './inventory.ts';
import { hostPortUrl, type NodeIdentity, readNodeIdentity } from './kubeadm-identity.ts';
import { KubeadmProfile } from './kubeadm-profile.ts';
import { readTimings } from './kubeadm-profile-timings.ts';
import type { Target, Topology } from './types.ts';

/**
 * The version-independent upstream defaults (src/targets/defaults.ts, each with its source). The
 * timings reader applies every default itself, version-aware and with the rule that chose it.
 */
export const UPSTREAM_DEFAULTS: HaTimings = KUBE_DEFAULTS;

export const INSECURE_MARK = '[HOST KEYS NOT VERIFIED]';

/**
 * The server of the kubeconfig's (current or named) context. A kubeconfig holds credentials, so
 * an error names the file and the place, never its content (the YAML parser's message quotes the
 * offending line: only its position is used).
 */
export function kubeconfigServer(text: string, file: string, context?: string): string {
  return kubeconfigContext(text, file, context).server;
}

/** What else fixes an unusable kubeconfig, by what it was read for. */
const API_URL_FIX = 'or set api.url in the inventory';

/**
 * The context a client uses (`context`, else the current one) and its cluster's server.
 * `orElse`: the other fix, besides the kubeconfig itself, for what the caller reads it for (the
 * API endpoint can come from the inventory's api.url; a cluster pin needs the kubeconfig's own).
 */
export function kubeconfigContext(
  text: string,
  file: string,
  context?: string,
  orElse = API_URL_FIX,
): { readonly context: string; readonly server: string } {
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { prettyErrors: false, lineCounter: lines });
  const bad = doc.errors[0];
  if (bad) {
    const at = lines.linePos(bad.pos[0]);
    throw new UserError(
      `kubeconfig ${file} is not valid YAML (line ${at.line}, column ${at.col}): fix the file (its content is not shown: it may hold credentials), ${orElse}`,
    );
  }
  // Any shape a file may have: a context without `context:`, a list that is not one, ...
  const kc = doc.toJS() as {
    'current-context'?: unknown;
    contexts?: unknown;
    clusters?: unknown;
  } | null;
  const named = (list: unknown, name: unknown): Record<string, unknown> | undefined =>
    Array.isArray(list)
      ? (list.find((e) => typeof e === 'object' && e !== null && e.name === name) as Record<string, unknown>)
      : undefined;
  const field = (o: unknown, k: string): unknown =>
    typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined;
  const ctxName =
    context ?? (typeof kc?.['current-context'] === 'string' ? kc['current-context'] : undefined);
  const cluster = field(field(named(kc?.contexts, ctxName), 'context'), 'cluster');
  const server = field(field(named(kc?.clusters, cluster), 'cluster'), 'server');
  if (typeof server !== 'string' || server === '') {
    throw new UserError(
      `kubeconfig ${file}: no server for context '${ctxName ?? '(none)'}': fix the kubeconfig (the context, its cluster and the cluster's server), ${orElse}`,
    );
  }
  return { context: ctxName!, server };
}

const withRole = (inv: Inventory, role: InventoryHost['roles'][number]): InventoryHost[] =>
  inv.hosts.filter((h) => h.roles.includes(role));

const etcdHostsOf = (inv: Inventory): InventoryHost[] =>
  withRole(inv, 'etcd').length > 0 ? withRole(inv, 'etcd') : withRole(inv, 'control-plane');

/**
 * The topology; a host's identity read from its manifests (`ids`) wins over the inventory's
 * address and names, which remain the fallback for hosts without manifests (other layouts).
 */
export function sshTopology(
  inv: Inventory,
  apiUrl: string,
  insecure: boolean,
  ids: ReadonlyMap<string, NodeIdentity> = new Map(),
): Topology {
  return {
    kind: 'ssh',
    name: insecure ? `${inv.name} ${INSECURE_MARK}` : inv.name,
    hosts: inv.hosts.map((h) => ({
      name: h.name,
      roles: h.roles,
      address: h.address,
      nodeName: h.nodeName,
    })),
    apiUrl,
    apiservers: withRole(inv, 'control-plane').map((h) => {
      const a = ids.get(h.name)?.apiserver;
      const ip = a?.ip ?? h.address;
      return { host: h.name, ip, url: hostPortUrl('https', ip, a?.port ?? inv.api.port) };
    }),
    etcd: etcdHostsOf(inv).map((h) => {
      const e = ids.get(h.name)?.etcd;
      return {
        host: h.name,
        member: e?.name ?? h.etcdMember,
        url: e?.clientUrl ?? hostPortUrl(inv.etcd.scheme, h.address, inv.etcd.port),
        peerUrl: e?.peerUrl ?? hostPortUrl(inv.etcd.scheme, h.address, inv.etcd.peerPort),
        ...(inv.etcd.caFile && inv.etcd.certFile && inv.etcd.keyFile
          ? { tls: { caFile: inv.etcd.caFile, certFile: inv.etcd.certFile, keyFile: inv.etcd.keyFile } }
          : {}),
      };
    }),
    lbs: withRole(inv, 'lb').map((h) => h.name),
    vip: inv.api.vip,
    kubeconfigPath: inv.kubeconfig,
    ...(inv.context ? { kubeContext: inv.context } : {}),
  };
}

/** The kubeadm profile with each host's facts: identity from its manifests, else the inventory's. */
export function sshProfile(
  inv: Inventory,
  ids: ReadonlyMap<string, NodeIdentity> = new Map(),
): KubeadmProfile {
  return new KubeadmProfile({
    hosts: new Map(
      inv.hosts.map((h) => {
        const e = ids.get(h.name)?.etcd;
        const a = ids.get(h.name)?.apiserver;
        return [
          h.name,
          {
            ...h,
            ...(a ? { apiserverPort: a.port } : {}),
            ...(e
              ? {
                  etcd: {
                    dataDir: e.dataDir,
                    clientPort: e.clientPort,
                    peerPort: e.peerPort,
                    ...(e.metricsUrl ? { metricsUrl: e.metricsUrl } : {}),
                  },
                }
              : {}),
          },
        ];
      }),
    ),
    overrides: inv.overrides,
    ...(inv.lockPath ? { lockPath: inv.lockPath } : {}),
    etcdMembers: etcdHostsOf(inv).map((h) => {
      const e = ids.get(h.name)?.etcd;
      return {
        name: e?.name ?? h.etcdMember,
        peerUrl: e?.peerUrl ?? hostPortUrl(inv.etcd.scheme, h.address, inv.etcd.peerPort),
      };
    }),
  });
}

export interface SshTargetOptions extends SshOptions {
  readonly log?: (line: string) => void;
}

/** How long `vipHolder` waits for an LB it has not reached yet: the ssh connection's default. */
const FIRST_CONTACT_MS = 10_000;

export class SshTarget implements Target {
  readonly executor: SshExecutor;
  private topo: Topology;
  private prof: KubeadmProfile;
  private readonly apiUrl: string;
  private readonly insecure: boolean;
  /** The LBs that answered `vipHolder` once: from then on a short timeout means unreachable. */
  private readonly lbAnswered = new Set<string>();

  constructor(
    readonly inventory: Inventory,
    private readonly opts: SshTargetOptions = {},
  ) {
    let apiUrl = inventory.api.url;
    if (!apiUrl) {
      let text: string;
      try {
        text = fs.readFileSync(inventory.kubeconfig, 'utf8');
      } catch (err) {
        throw new UserError(
          `inventory ${inventory.file}: kubeconfig ${inventory.kubeconfig} cannot be read: ${(err as Error).message}`,
        );
      }
      apiUrl = kubeconfigServer(text, inventory.kubeconfig, inventory.context);
    }
    const insecure = opts.insecureIgnoreHostKeys === true;
    if (insecure) opts.log?.(`WARNING: ssh host keys are NOT verified (--insecure-ignore-host-keys)`);
    this.apiUrl = apiUrl;
    this.insecure = insecure;
    this.topo = sshTopology(inventory, apiUrl, insecure);
    this.prof = sshProfile(inventory);
    this.executor = new SshExecutor(
      inventory.hosts.map((h) => ({
        name: h.name,
        address: h.address,
        port: h.port,
        user: h.user,
        keyPath: h.keyPath,
        sudo: h.sudo,
        knownHostsPath: h.knownHostsPath,
      })),
      opts,
    );
  }

  get topology(): Topology {
    return this.topo;
  }

  get profile(): KubeadmProfile {
    return this.prof;
  }

  /**
   * Reads every control plane's and etcd host's identity from its static-pod manifests (live or
   * parked) and rebuilds the topology and profile from it. A host without manifests keeps the
   * inventory's values (said in the log); a manifest that cannot be parsed is an error.
   */
  async readIdentity(): Promise<ReadonlyMap<string, NodeIdentity>> {
    const etcdNames = new Set(etcdHostsOf(this.inventory).map((h) => h.name));
    const ids = new Map<string, NodeIdentity>();
    await Promise.all(
      this.inventory.hosts
        .filter((h) => h.roles.includes('control-plane') || etcdNames.has(h.name))
        .map(async (h) => {
          const { identity, notes } = await readNodeIdentity(this.executor, h.name, {
            apiserver: h.roles.includes('control-plane'),
            etcd: etcdNames.has(h.name),
          });
          ids.set(h.name, identity);
          for (const n of notes)
            this.opts.log?.(`identity: ${n}; the inventory's address and names are used`);
          const differs = (what: string, manifest: string, inventory: string) => {
            if (manifest !== inventory)
              this.opts.log?.(
                `identity: ${h.name}'s ${what} is ${manifest} (its manifest), not ${inventory} (inventory)`,
              );
          };
          if (identity.apiserver) differs('apiserver address', identity.apiserver.ip, h.address);
          if (identity.etcd) differs('etcd member name', identity.etcd.name, h.etcdMember);
        }),
    );
    this.topo = sshTopology(this.inventory, this.apiUrl, this.insecure, ids);
    this.prof = sshProfile(this.inventory, ids);
    return ids;
  }

  /** Connects to every host once, so a bad key or host key fails before anything is injected. */
  async connectAll(): Promise<void> {
    await Promise.all(this.inventory.hosts.map((h) => this.executor.connection(h.name)));
  }

  async timings(): Promise<TimingInputs> {
    const first = (role: InventoryHost['roles'][number]) => withRole(this.inventory, role)[0]?.name;
    const { timings, missing } = await readTimings(
      this.executor,
      {
        controlPlane: first('control-plane'),
        etcd: first('etcd'),
        worker: first('worker'),
        lbs: withRole(this.inventory, 'lb').map((h) => h.name),
      },
      this.inventory.timingSources,
    );
    if (missing.length > 0)
      this.opts.log?.(`timings: could not read ${missing.join(', ')} (upstream defaults used)`);
    return timings;
  }

  async vipHolder(): Promise<string | null> {
    const vip = this.topology.vip;
    if (!vip) return null;
    const holders: string[] = [];
    await Promise.all(
      this.topology.lbs.map(async (h) => {
        // An LB that cannot be reached (its link is down) does not hold the VIP for the clients;
        // a short timeout keeps the probe's resolution when one LB stops answering. An LB not
        // reached yet gets the ssh connection's own time first: its handshake alone can take more
        // than a second on a loaded harness machine, which is no sign of the LB being gone.
        const timeoutMs = this.lbAnswered.has(h) ? 1000 : FIRST_CONTACT_MS;
        const r = await this.executor
          .exec(h, ['ip', '-o', '-4', 'addr', 'show'], { timeoutMs })
          .catch(() => undefined);
        if (r?.code === 0) this.lbAnswered.add(h);
        if (r?.code === 0 && holdsAddress(r.stdout, vip)) holders.push(h);
      }),
    );
    holders.sort();
    return holders.length === 0 ? null : holders.join('+');
  }

  async close(): Promise<void> {
    await this.executor.close();
  }
}

/** True when `ip -o addr show` output lists the address. */
export const holdsAddress = (ipAddrOutput: string, ip: string): boolean =>
  ipAddrOutput.split('\n').some((l) => new RegExp(`\\sinet6?\\s${ip.replaceAll('.', '\\.')}/`).test(l));
