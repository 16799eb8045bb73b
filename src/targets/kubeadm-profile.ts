/**
 * Host profile of a kubeadm node (VM or kind node container): static pods (kube-apiserver, etcd,
 * kube-controller-manager, kube-scheduler) get SIGKILL by PID, then their manifest is parked
 * outside /etc/kubernetes/manifests; a graceful stop parks the manifest and the kubelet sends the
 * one SIGTERM (kubeadm-static-pod.ts); systemd units (kubelet, haproxy,
 * keepalived) with `systemctl`; partitions are the shared iptables scripts with the host's own
 * etcd ports; link-down is the host's own timed outage (kubeadm-link.ts); etcd-restore picks its
 * tools by the member's version (kubeadm-etcd.ts). Per-host facts (identity from the manifests,
 * kubeadm-identity.ts) come from the target. Inventory overrides replace any action's command.
 */
import { shellQuote } from '../executors/ssh.ts';
import { LOCAL_HOST } from '../executors/types.ts';
import { UserError } from '../util/errors.ts';
import { HOST_TIMING_MARK } from './host-timing.ts';
import type { CommandOverride } from './inventory.ts';
import { expireCertScript, renewCertScript, servedCertScript } from './kubeadm-cert-expiry.ts';
import { certRequestScript, installCertScript, signCertRequestScript } from './kubeadm-cert-signer.ts';
import { certExpiryScript } from './kubeadm-certs.ts';
import {
  dataStateScript,
  type EtcdHostFacts,
  KUBEADM_ETCD,
  keepSnapshotScript,
  readSnapshotScript,
  removeSnapshotScript,
  restoreScript,
  snapshotScript,
  wipeScript,
  writeSnapshotScript,
} from './kubeadm-etcd.ts';
import { memberReplaceScript } from './kubeadm-etcd-member.ts';
import {
  delayFsyncScript,
  fsyncDelayStateScript,
  fsyncMetricsScript,
  undelayFsyncScript,
} from './kubeadm-fsync.ts';
import {
  installKubeletCertScript,
  kubeletClientStateScript,
  kubeletCsrScript,
  signKubeletCsrScript,
} from './kubeadm-kubelet-cert.ts';
import { linkDownScript, linkStateScript, linkUpScript } from './kubeadm-link.ts';
import {
  type DelayMethod,
  degradeNetScript,
  KUBEADM_PEER_PORT,
  netDegradeStateScript,
  peerRttScript,
  undegradeNetScript,
} from './kubeadm-net-degrade.ts';
import {
  cycleStaticPod,
  findPids,
  readyUrl,
  runningStaticPod,
  startStaticPod,
  stopStaticPod,
  waitReadyScript,
} from './kubeadm-static-pod.ts';
import {
  etcdPartition,
  healPartitionScript,
  type PartitionSpec,
  partitionScript,
  showPartitionScript,
} from './partition.ts';
import {
  type Action,
  type Command,
  type Component,
  type HostProfile,
  STATIC_POD_COMPONENTS,
} from './types.ts';

export { MANIFEST_DIR, PARKED_DIR } from './kubeadm-static-pod.ts';

const STATIC_PODS = STATIC_POD_COMPONENTS;

export interface KubeadmHostInfo {
  /** Interface the link-down fault takes down (default eth0). */
  readonly linkInterface?: string;
  /** How the harness reaches the host (ssh address). */
  readonly address?: string;
  /** The ssh port: with `address`, where the harness sees the host answer from outside. */
  readonly port?: number;
  readonly nodeName?: string;
  /** The local kube-apiserver's secure port (from its manifest; default 6443). */
  readonly apiserverPort?: number;
  /** The local etcd member's data dir and ports (from its manifest); default kubeadm's. */
  readonly etcd?: EtcdHostFacts & { readonly peerPort: number; readonly metricsUrl?: string };
}

export interface KubeadmProfileOptions {
  /** Per-host facts, by host name. */
  readonly hosts?: ReadonlyMap<string, KubeadmHostInfo>;
  /** Inventory overrides, keyed `kind` or `kind:component`. */
  readonly overrides?: Readonly<Record<string, CommandOverride>>;
  /** link-down without `restoreAfterS`: the host brings the link back after this many s (default 300; 0 = none). */
  readonly linkWatchdogS?: number;
  /** How long a restart waits for the old process to be gone, s (default 90: grace period and shutdown delay). */
  readonly restartGoneWaitS?: number;
  /** How long `start` waits for the process to run, s (default 50; kubelet rescans every 20 s). */
  readonly startWaitS?: number;
  /** etcd members (name, peer URL) for `restore-etcd`'s --initial-cluster. */
  readonly etcdMembers?: readonly { readonly name: string; readonly peerUrl: string }[];
  /** How network-degrade delays the peer traffic (default netem; the lab: its delaying proxy). */
  readonly delayMethod?: DelayMethod;
  /** Where the drill's cluster lock lives on each host (HostProfile.lockPath). */
  readonly lockPath?: string;
}

/** Fills `{var}` placeholders with shell-quoted values; an unknown placeholder is a user error. */
export function fillTemplate(template: string, vars: Readonly<Record<string, string>>, key: string): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (_, v: string) => {
    const value = vars[v];
    if (value === undefined)
      throw new UserError(
        `inventory override '${key}': unknown placeholder {${v}}; available: ${Object.keys(vars)
          .map((k) => `{${k}}`)
          .join(' ')}`,
      );
    return shellQuote(value);
  });
}

export class KubeadmProfile implements HostProfile {
  readonly name: string;
  readonly lockPath?: string;
  constructor(private readonly o: KubeadmProfileOptions = {}) {
    this.name = Object.keys(o.overrides ?? {}).length > 0 ? 'kubeadm+overrides' : 'kubeadm';
    if (o.lockPath) this.lockPath = o.lockPath;
  }

  private info(host: string): KubeadmHostInfo {
    return this.o.hosts?.get(host) ?? {};
  }

  command(a: Action): Command {
    return this.override(a) ?? { host: a.host, argv: ['sh', '-c', this.script(a)] };
  }

  private override(a: Action): Command | undefined {
    const component = 'component' in a ? a.component : undefined;
    const keys = component ? [`${a.kind}:${component}`, a.kind] : [a.kind];
    const overrides = this.o.overrides ?? {};
    const key = keys.find((k) => overrides[k] !== undefined);
    if (!key) return undefined;
    const o = overrides[key]!;
    const info = this.info(a.host);
    const vars: Record<string, string> = {
      host: a.host,
      address: info.address ?? a.host,
      node: info.nodeName ?? a.host,
      iface: info.linkInterface ?? 'eth0',
    };
    if (component) vars.component = component;
    if (a.kind === 'stop') vars.signal = a.signal;
    if (a.kind === 'restore-etcd') {
      vars.member = a.member;
      vars.token = a.token;
    }
    if (a.kind === 'partition') {
      const spec = this.partitionSpec(a);
      vars.dports = spec.dports.join(',');
      vars.sports = spec.sports.join(',');
    }
    if (a.kind === 'wait-ready') vars.waitS = String(a.waitS);
    if (a.kind === 'replace-etcd-member') {
      vars.member = a.member;
      vars.peerUrl = a.peerUrl;
      vars.clientUrl = a.clientUrl;
      vars.endpoints = a.endpoints.join(',');
      vars.mode = a.mode;
    }
    if (
      a.kind === 'expire-cert' ||
      a.kind === 'renew-cert' ||
      a.kind === 'served-cert' ||
      a.kind === 'cert-request' ||
      a.kind === 'sign-cert-request' ||
      a.kind === 'install-cert'
    )
      vars.cert = a.cert;
    if (a.kind === 'sign-cert-request') vars.validity = a.validity;
    if (a.kind === 'served-cert') {
      vars.address = a.address;
      vars.port = String(a.port);
    }
    if (a.kind === 'delay-fsync') {
      vars.delayMs = String(a.delayMs);
      vars.forS = String(a.forS);
    }
    if (a.kind === 'degrade-net') {
      vars.delayMs = String(a.spec.delayMs);
      vars.jitterMs = String(a.spec.jitterMs);
      vars.lossPct = String(a.spec.lossPct);
      vars.forS = String(a.spec.forS);
      vars.degraded = String(a.spec.degraded);
      vars.peers = a.spec.peers.map((p) => `${p.address}:${p.port}`).join(',');
    }
    if (a.kind === 'link-down' && a.restoreAfterS !== undefined) vars.restoreAfterS = String(a.restoreAfterS);
    const run = typeof o === 'string' ? o : o.run;
    const on = typeof o === 'string' ? 'host' : o.on;
    return { host: on === 'local' ? LOCAL_HOST : a.host, argv: ['sh', '-c', fillTemplate(run, vars, key)] };
  }

  /**
   * Where the harness sees the host answer from outside (its ssh address and port), unless the
   * link actions are overridden: a link-down fault proves and heals through it.
   */
  reachability(host: string): { address: string; port: number } | undefined {
    const o = this.o.overrides ?? {};
    if (o['link-down'] !== undefined || o['link-up'] !== undefined) return undefined;
    const i = this.info(host);
    return i.address && i.port ? { address: i.address, port: i.port } : undefined;
  }

  /** An etcd partition cuts the host's own etcd ports (from its manifest) when known. */
  private partitionSpec(a: Extract<Action, { kind: 'partition' }>): PartitionSpec {
    const e = this.info(a.host).etcd;
    return a.spec.etcd && e ? { ...a.spec, ...etcdPartition(e.clientPort, e.peerPort) } : a.spec;
  }

  private etcd(host: string): EtcdHostFacts {
    return this.info(host).etcd ?? KUBEADM_ETCD;
  }

  /** The kubeadm command for an action, as a POSIX shell script. */
  script(a: Action): string {
    const iface = this.info(a.host).linkInterface ?? 'eth0';
    switch (a.kind) {
      case 'stop':
        return STATIC_PODS.has(a.component)
          ? stopStaticPod(a.component, a.signal, this.o.restartGoneWaitS ?? 90)
          : stopUnit(a.component, a.signal);
      case 'start':
        return STATIC_PODS.has(a.component)
          ? startStaticPod(a.component, this.o.startWaitS ?? 50)
          : `systemctl start ${unit(a.component)}`;
      case 'running':
        return STATIC_PODS.has(a.component)
          ? runningStaticPod(a.component)
          : `systemctl is-active --quiet ${unit(a.component)} || { echo '${a.component} is not running' >&2; exit 3; }; systemctl show -p MainPID --value ${unit(a.component)}`;
      case 'restart':
        if (!STATIC_PODS.has(a.component))
          return `systemctl restart ${unit(a.component)} && systemctl show -p MainPID --value ${unit(a.component)}`;
        // Gone within the pod's grace period (kubeadm's control-plane pods: the default 30 s) plus
        // the apiserver's shutdown delay, which the grace period has to cover.
        return cycleStaticPod(a.component, this.o.restartGoneWaitS ?? 90, this.o.startWaitS ?? 50);
      case 'wait-ready':
        return waitReadyScript(
          a.component,
          readyUrl(a.component, {
            ...(this.info(a.host).apiserverPort ? { apiserverPort: this.info(a.host).apiserverPort } : {}),
            ...(this.info(a.host).etcd?.metricsUrl
              ? { etcdMetricsUrl: this.info(a.host).etcd?.metricsUrl }
              : {}),
          }),
          a.waitS,
        );
      case 'partition':
        return partitionScript(this.partitionSpec(a));

      case 'heal-partition':
        return healPartitionScript();
      case 'show-partition':
        return showPartitionScript();
      case 'link-down':
        return linkDownScript(iface, a.restoreAfterS ?? this.o.linkWatchdogS ?? 300);
      case 'link-up':
        return linkUpScript(iface);
      case 'link-state':
        return linkStateScript(iface);
      case 'etcd-snapshot':
        return snapshotScript(this.etcd(a.host));
      case 'read-etcd-snapshot':
        return readSnapshotScript(this.etcd(a.host));
      case 'write-etcd-snapshot':
        return writeSnapshotScript(this.etcd(a.host));
      case 'remove-etcd-snapshot':
        return removeSnapshotScript(this.etcd(a.host));
      case 'keep-etcd-snapshot':
        return keepSnapshotScript(this.etcd(a.host));
      case 'etcd-data-state':
        return dataStateScript(this.etcd(a.host));
      case 'wipe-etcd-data':
        return wipeScript(this.etcd(a.host), a.host, `${findPids('etcd')}\n[ -n "$pids" ]`);
      case 'delay-fsync':
        return delayFsyncScript(a.delayMs, a.forS);
      case 'undelay-fsync':
        return undelayFsyncScript();
      case 'fsync-delay-state':
        return fsyncDelayStateScript();
      case 'cert-expiry':
        return certExpiryScript();
      case 'expire-cert':
        return expireCertScript(a.cert);
      case 'renew-cert':
        return renewCertScript(a.cert);
      case 'cert-request':
        return certRequestScript(a.cert);
      case 'sign-cert-request':
        return signCertRequestScript(a.cert, a.validity);
      case 'install-cert':
        return installCertScript(a.cert);
      case 'served-cert':
        return servedCertScript(a.cert, a.address, a.port);
      case 'kubelet-client-state':
        return kubeletClientStateScript();
      case 'kubelet-csr':
        return kubeletCsrScript();
      case 'sign-kubelet-csr':
        return signKubeletCsrScript(a.validity);
      case 'install-kubelet-cert':
        return installKubeletCertScript(a.mode);
      case 'replace-etcd-member':
        return memberReplaceScript(this.etcd(a.host), {
          member: a.member,
          peerUrl: a.peerUrl,
          endpoints: a.endpoints,
          mode: a.mode,
          healthWaitS: 120,
          clientUrl: a.clientUrl,
        });
      case 'degrade-net':
        return degradeNetScript(
          a.spec,
          this.info(a.host).etcd?.peerPort ?? KUBEADM_PEER_PORT,
          this.o.delayMethod ?? { kind: 'netem' },
        );
      case 'undegrade-net':
        return undegradeNetScript();
      case 'net-degrade-state':
        return netDegradeStateScript();
      case 'peer-rtt':
        return peerRttScript(a.peers, a.samples);
      case 'etcd-fsync-metrics':
        return fsyncMetricsScript(this.info(a.host).etcd?.metricsUrl);
      case 'restore-etcd': {
        const members = this.o.etcdMembers ?? [];
        const self = members.find((m) => m.name === a.member);
        if (!self)
          throw new UserError(
            `restore-etcd: member '${a.member}' is not among the etcd members (${members.map((m) => m.name).join(', ') || 'none'})`,
          );
        return restoreScript(this.etcd(a.host), {
          host: a.host,
          member: a.member,
          token: a.token,
          peerUrl: self.peerUrl,
          initialCluster: members.map((m) => `${m.name}=${m.peerUrl}`).join(','),
          foreign: a.foreignData ?? 'refuse',
        });
      }
    }
  }
}

const unit = (c: Component): string => shellQuote(c);

/**
 * SIGKILL: `systemctl kill` (a killed unit with Restart=always comes back: stop it after the
 * kill). SIGTERM: `systemctl stop`, which sends it as the stop job begins (no `ExecStop=` in the
 * units it stops) and returns when the unit is inactive; it then prints how long that took
 * (host-timing tail, src/targets/host-timing.ts): systemd's monotonic stamps of leaving active
 * (ActiveExitTimestampMonotonic, µs, right before the SIGTERM) and entering inactive, so the
 * fault's effect time is the signal, not the middle of a round trip spent waiting for the exit.
 */
function stopUnit(c: Component, signal: 'KILL' | 'TERM'): string {
  if (signal === 'KILL') return `systemctl kill --signal=SIGKILL ${unit(c)}; systemctl stop ${unit(c)}`;
  const stamp = (p: string) => `$(systemctl show -p ${p} --value ${unit(c)} 2>/dev/null)`;
  return [
    `systemctl stop ${unit(c)} || exit`,
    `a=${stamp('ActiveExitTimestampMonotonic')}; b=${stamp('InactiveEnterTimestampMonotonic')}`,
    `if [ "\${a:-0}" -gt 0 ] 2>/dev/null && [ "\${b:-0}" -ge "$a" ] 2>/dev/null; then echo "${HOST_TIMING_MARK} tail-ms=$(( (b - a) / 1000 ))"; fi`,
  ].join('\n');
}
