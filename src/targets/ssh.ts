/**
 * The ssh target: existing VMs (kubeadm by default) listed in an inventory. Topology from the
 * inventory (and the kubeconfig's server for the API through the LB), the ssh2 executor, the
 * kubeadm host profile with the inventory's overrides, timings read from the hosts (manifests,
 * kubelet config, haproxy/keepalived configs, or the inventory's timing sources), and the VIP
 * holder read from the LB hosts' addresses.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { SshExecutor, type SshOptions } from '../executors/ssh.ts';
import { UserError } from '../util/errors.ts';
import type { Inventory, InventoryHost } from './inventory.ts';
import { KubeadmProfile } from './kubeadm-profile.ts';
import { readTimings } from './kubeadm-profile-timings.ts';
import type { HaTimings, Target, Topology } from './types.ts';

/** Upstream defaults, used where the hosts' configuration does not say (BRIEF §5). */
export const UPSTREAM_DEFAULTS: HaTimings = {
  nodeMonitorPeriodS: 5,
  nodeLeaseRenewIntervalS: 10,
  tolerationSeconds: 300,
  masterLeaseTtlS: 15,
  endpointReconcileIntervalS: 10,
  leaseDurationS: 15,
  retryPeriodS: 2,
  etcdHeartbeatMs: 100,
  etcdElectionMs: 1000,
};

export const INSECURE_MARK = '[HOST KEYS NOT VERIFIED]';

/** The server of the kubeconfig's (current or named) context. */
export function kubeconfigServer(text: string, file: string, context?: string): string {
  const kc = YAML.parse(text) as {
    'current-context'?: string;
    contexts?: { name: string; context: { cluster: string } }[];
    clusters?: { name: string; cluster: { server: string } }[];
  } | null;
  const ctxName = context ?? kc?.['current-context'];
  const ctx = kc?.contexts?.find((c) => c.name === ctxName);
  const server = kc?.clusters?.find((c) => c.name === ctx?.context.cluster)?.cluster.server;
  if (!server) {
    throw new UserError(
      `kubeconfig ${file}: no server for context '${ctxName ?? '(none)'}': set api.url in the inventory or fix the kubeconfig`,
    );
  }
  return server;
}

const withRole = (inv: Inventory, role: InventoryHost['roles'][number]): InventoryHost[] =>
  inv.hosts.filter((h) => h.roles.includes(role));

export function sshTopology(inv: Inventory, apiUrl: string, insecure: boolean): Topology {
  const cps = withRole(inv, 'control-plane');
  const etcdHosts = withRole(inv, 'etcd').length > 0 ? withRole(inv, 'etcd') : cps;
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
    apiservers: cps.map((h) => ({
      host: h.name,
      ip: h.address,
      url: `https://${h.address}:${inv.api.port}`,
    })),
    etcd: etcdHosts.map((h) => ({
      host: h.name,
      member: h.etcdMember,
      url: `${inv.etcd.scheme}://${h.address}:${inv.etcd.port}`,
      ...(inv.etcd.caFile && inv.etcd.certFile && inv.etcd.keyFile
        ? { tls: { caFile: inv.etcd.caFile, certFile: inv.etcd.certFile, keyFile: inv.etcd.keyFile } }
        : {}),
    })),
    lbs: withRole(inv, 'lb').map((h) => h.name),
    vip: inv.api.vip,
    kubeconfigPath: inv.kubeconfig,
  };
}

export interface SshTargetOptions extends SshOptions {
  readonly log?: (line: string) => void;
}

export class SshTarget implements Target {
  readonly topology: Topology;
  readonly executor: SshExecutor;
  readonly profile: KubeadmProfile;

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
    this.topology = sshTopology(inventory, apiUrl, insecure);
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
    const etcdHosts =
      withRole(inventory, 'etcd').length > 0
        ? withRole(inventory, 'etcd')
        : withRole(inventory, 'control-plane');
    this.profile = new KubeadmProfile({
      hosts: new Map(inventory.hosts.map((h) => [h.name, h])),
      overrides: inventory.overrides,
      etcdMembers: etcdHosts.map((h) => ({
        name: h.etcdMember,
        peerUrl: `${inventory.etcd.scheme}://${h.address}:${inventory.etcd.peerPort}`,
      })),
    });
  }

  /** Connects to every host once, so a bad key or host key fails before anything is injected. */
  async connectAll(): Promise<void> {
    await Promise.all(this.inventory.hosts.map((h) => this.executor.connection(h.name)));
  }

  async timings(): Promise<HaTimings> {
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
      UPSTREAM_DEFAULTS,
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
        // a short timeout keeps the probe's resolution when one LB stops answering.
        const r = await this.executor
          .exec(h, ['ip', '-o', '-4', 'addr', 'show'], { timeoutMs: 1000 })
          .catch(() => undefined);
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
