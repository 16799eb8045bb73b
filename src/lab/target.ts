/**
 * The lab as a drill target: topology from the running lab's saved config, the netns executor,
 * the kubeadm host profile with the lab's service overrides (profile.ts), timings from the lab
 * config, and the VIP holder read from the LB hosts. Control planes and workers are Nodes.
 */

import { NetnsExecutor } from '../executors/netns.ts';
import type { MonitoringStack } from '../monitoring/stack.ts';
import type { TimingInputs } from '../targets/defaults.ts';
import type { KubeadmProfile } from '../targets/kubeadm-profile.ts';
import type { Target, Topology } from '../targets/types.ts';
import { TargetError } from '../util/errors.ts';
import type { LabConfig } from './config.ts';
import { clusterHosts, clusterRoles, hostsByRole, isNode, labKubeconfigPath, vrrpPair } from './config.ts';
import { labEtcdEndpoints } from './etcd.ts';
import { enterHost } from './host.ts';
import { vrrpPriority } from './keepalived.ts';
import { labMonitoringStack } from './monitoring.ts';
import { addressHolders, bridgeExists } from './network.ts';
import { labProfile } from './profile.ts';
import { haTimingsFromLab } from './timings.ts';

export function labTopology(cfg: LabConfig): Topology {
  const cps = hostsByRole(cfg, 'control-plane');
  return {
    kind: 'lab',
    name: 'lab',
    hosts: clusterHosts(cfg).map((h) => ({
      name: h.name,
      roles: clusterRoles(cfg, h),
      address: h.ip,
      nodeName: isNode(h) ? h.name : undefined,
    })),
    apiUrl: `https://${cfg.vip}:${cfg.apiPort}`,
    apiservers: cps.map((h) => ({ host: h.name, ip: h.ip, url: `https://${h.ip}:${cfg.apiPort}` })),
    etcd: labEtcdEndpoints(cfg),
    lbs: hostsByRole(cfg, 'lb').map((h) => h.name),
    vip: cfg.vip,
    kubeconfigPath: labKubeconfigPath(cfg),
  };
}

export class LabTarget implements Target {
  readonly topology: Topology;
  readonly executor: NetnsExecutor;
  readonly profile: KubeadmProfile;

  /**
   * The running lab (its bridge must exist: lab traffic goes to 198.18.0.0/15 only while it does),
   * or with `planOnly` a lab planned from its config for `--dry-run`, which contacts nothing.
   */
  constructor(
    readonly cfg: LabConfig,
    o: { readonly planOnly?: boolean } = {},
  ) {
    if (!o.planOnly && !bridgeExists(cfg))
      throw new TargetError(
        `the lab's bridge ${cfg.bridge} does not exist, so its addresses (${cfg.hosts[0]?.ip.split('.').slice(0, 3).join('.')}.x) are not ours to reach: run 'npm run lab -- down' then 'npm run lab -- up'`,
      );
    this.topology = {
      ...labTopology(cfg),
      ...(o.planOnly
        ? {
            planOnly: `planned from the lab config (preset ${cfg.preset}) without a running lab: nothing is sent to the lab's addresses`,
          }
        : {}),
    };
    this.executor = new NetnsExecutor(
      cfg.hosts.map((h) => h.name),
      (host) => enterHost(cfg.stateDir, host),
    );
    this.profile = labProfile(cfg);
  }

  async timings(): Promise<TimingInputs> {
    // The backup that takes over the VIP is the second LB.
    return haTimingsFromLab(this.cfg.timings, {
      backupPriority: vrrpPriority(1),
      vrrp: vrrpPair(this.cfg),
      preset: this.cfg.preset,
    });
  }

  async vipHolder(): Promise<string | null> {
    const holders = await addressHolders(this.cfg.vip, hostsByRole(this.cfg, 'lb'));
    return holders.length === 1 ? holders[0]! : holders.length === 0 ? null : holders.join('+');
  }

  /** mon1's Prometheus and Alertmanager (none in a plan: it contacts nothing). */
  monitoring(pollMs: number): MonitoringStack | undefined {
    return this.topology.planOnly ? undefined : labMonitoringStack(this.cfg, pollMs);
  }

  async close(): Promise<void> {
    await this.executor.close();
  }
}
