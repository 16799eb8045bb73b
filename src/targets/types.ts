/**
 * A target is what a drill runs against: a topology (hosts by role, the API endpoint through the
 * load balancer, each apiserver and etcd member, the kubeconfig), one executor for its hosts, a
 * host profile that turns actions into commands, and the timing configuration the expected
 * windows derive from. The drill code never branches on the target kind.
 */

import type { Executor } from '../executors/types.ts';
import type { MonitoringStack } from '../monitoring/stack.ts';
import type { TimingInputs } from './defaults.ts';
import type { ExpirableCert } from './kubeadm-cert-expiry.ts';
import type { CertValidity } from './kubeadm-cert-signer.ts';
import type { KubeletCertInstall, KubeletCertValidity } from './kubeadm-kubelet-cert.ts';
import type { NetDegradeSpec } from './kubeadm-net-degrade.ts';
import type { PartitionSpec } from './partition.ts';

export type TargetKind = 'lab' | 'kind' | 'ssh';
export type HostRole = 'control-plane' | 'etcd' | 'lb' | 'worker';

/** Processes a fault can stop, by their upstream names. */
export type Component =
  | 'kube-apiserver'
  | 'etcd'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubelet'
  | 'haproxy'
  | 'keepalived';

/**
 * The components a kubeadm node runs as static pods (kubeadm's control-plane manifests); the rest
 * are system services. A stop of a static pod parks its manifest, so its heal always puts the
 * manifest back, even when a process of that name still runs.
 */
export const STATIC_POD_COMPONENTS: ReadonlySet<Component> = new Set([
  'kube-apiserver',
  'etcd',
  'kube-controller-manager',
  'kube-scheduler',
]);

export interface TargetHost {
  readonly name: string;
  readonly roles: readonly HostRole[];
  readonly address: string;
  /** The Kubernetes Node name of this host, when it is one. */
  readonly nodeName?: string;
}

export interface ApiserverEndpoint {
  readonly host: string;
  readonly ip: string;
  /** https://ip:port, reachable from the harness. */
  readonly url: string;
}

export interface EtcdEndpoint {
  readonly host: string;
  /** Member name as etcd knows it. */
  readonly member: string;
  /** Client URL reachable from the harness. */
  readonly url: string;
  /** TLS client credentials (PEM files) when the member requires them (kubeadm, kind). */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
  /** The member's peer URL (`--initial-advertise-peer-urls`), when known: etcd-member-replace adds it back under it. */
  readonly peerUrl?: string;
}

export interface Topology {
  readonly kind: TargetKind;
  /** Human name: `lab (seeds)`, `kind-ha`, the inventory file. */
  readonly name: string;
  readonly hosts: readonly TargetHost[];
  /** The API through the load balancer (VIP), as clients use it. */
  readonly apiUrl: string;
  readonly apiservers: readonly ApiserverEndpoint[];
  readonly etcd: readonly EtcdEndpoint[];
  /** Load-balancer hosts; one entry means the LB is a single point of failure. */
  readonly lbs: readonly string[];
  readonly vip?: string;
  readonly kubeconfigPath: string;
  /** The kubeconfig context the drill uses (default: its current context; ssh: the inventory's `context:`). */
  readonly kubeContext?: string;
  /**
   * Set when the target was planned from configuration, not found running (a `--dry-run` without
   * the cluster): why, and that nothing may be read from the live cluster. Aims that need it (the
   * etcd leader, a Lease holder) ask for the flag that names them instead.
   */
  readonly planOnly?: string;
}

/** An action on a host, mapped to a command by the host profile. */
export type Action =
  | {
      readonly kind: 'stop';
      readonly host: string;
      readonly component: Component;
      readonly signal: 'KILL' | 'TERM';
    }
  | { readonly kind: 'start'; readonly host: string; readonly component: Component }
  | { readonly kind: 'running'; readonly host: string; readonly component: Component }
  /**
   * rolling-restart: the component restarted the way maintenance does it (kubeadm: the static-pod
   * manifest cycle, src/targets/kubeadm-static-pod.ts); returns when it runs again. Prints
   * `<old pid> <new pid>`.
   */
  | { readonly kind: 'restart'; readonly host: string; readonly component: Component }
  /** Waits until the component answers ready on its host (its own health endpoint), up to `waitS`. */
  | {
      readonly kind: 'wait-ready';
      readonly host: string;
      readonly component: Component;
      readonly waitS: number;
    }
  | { readonly kind: 'partition'; readonly host: string; readonly spec: PartitionSpec }
  | { readonly kind: 'heal-partition'; readonly host: string }
  | { readonly kind: 'show-partition'; readonly host: string }
  /**
   * The host's link down; the host itself brings it (and its routes) back after `restoreAfterS`
   * (default: the profile's), since the harness's session to it may run over that link.
   */
  | { readonly kind: 'link-down'; readonly host: string; readonly restoreAfterS?: number }
  | { readonly kind: 'link-up'; readonly host: string }
  | { readonly kind: 'link-state'; readonly host: string }
  /**
   * etcd-restore (the DR drill). The profile owns where the host's snapshot file and its etcd
   * member's data dir live, and how to reach the local member (lab: 127.0.0.1:2379 in the host's
   * namespace; kubeadm: the etcd static pod's certificates).
   */
  /** Save a snapshot of the host's local member to the host's snapshot file; print `etcdctl snapshot status -w json`. */
  | { readonly kind: 'etcd-snapshot'; readonly host: string }
  /** Print the host's snapshot file, base64-encoded (to copy it to the other members' hosts). */
  | { readonly kind: 'read-etcd-snapshot'; readonly host: string }
  /** Write base64 from stdin to the host's snapshot file; print its sha256. */
  | { readonly kind: 'write-etcd-snapshot'; readonly host: string }
  /** Remove the host's snapshot file (it holds every Secret of the cluster). Idempotent. */
  | { readonly kind: 'remove-etcd-snapshot'; readonly host: string }
  /** `--keep-snapshot`: keep the host's snapshot file, readable by root alone (0600); print its path (nothing when there is none). Idempotent. */
  | { readonly kind: 'keep-etcd-snapshot'; readonly host: string }
  /** Print the member's data dir; exit 0 when it holds a member (`member/`), 1 when empty or absent. */
  | { readonly kind: 'etcd-data-state'; readonly host: string }
  /** Destroy the member's data dir; refuses (exit 4) while etcd runs on the host. */
  | { readonly kind: 'wipe-etcd-data'; readonly host: string }
  /**
   * etcd-disk-latency: the host's etcd member's fsync/fdatasync delayed by `delayMs` (strace's
   * syscall fault injection, src/targets/kubeadm-fsync.ts); the host ends it by itself after
   * `forS`. Prints `<member pid> <tracer pid>`.
   */
  | { readonly kind: 'delay-fsync'; readonly host: string; readonly delayMs: number; readonly forS: number }
  /** Ends the delay; idempotent. */
  | { readonly kind: 'undelay-fsync'; readonly host: string }
  /** Exit 0 printing `<member pid> <tracer pid>` while the drill's injector traces the member, 3 when untraced. */
  | { readonly kind: 'fsync-delay-state'; readonly host: string }
  /**
   * etcd-member-replace, run on the member's own host (src/targets/kubeadm-etcd-member.ts): stop,
   * wipe, `member remove`, `member add`, rejoin with `--initial-cluster-state=existing`, wait until
   * healthy; `ensure` (the heal) only when the member is not healthy and started. `endpoints`: the
   * other members' client URLs. Prints `old=<id|none> new=<id>`.
   */
  | {
      readonly kind: 'replace-etcd-member';
      readonly host: string;
      readonly member: string;
      readonly peerUrl: string;
      /** The member's own client URL: the new member is healthy once it serves /health there. */
      readonly clientUrl: string;
      readonly endpoints: readonly string[];
      readonly mode: 'replace' | 'ensure';
    }
  /** Print each kubeadm certificate's expiry on the host (src/targets/kubeadm-certs.ts); read-only. */
  | { readonly kind: 'cert-expiry'; readonly host: string }
  /**
   * cert-expiry (src/targets/kubeadm-cert-expiry.ts): replace the host's `cert` by an expired one
   * from the same CA, the original kept beside; prints `serial=<hex> notAfter=<date>`. The
   * component is restarted by a `restart` action after it.
   */
  | { readonly kind: 'expire-cert'; readonly host: string; readonly cert: ExpirableCert }
  /**
   * Renew `cert` where the drill expired it (the renewal kept when it was signed elsewhere, else
   * kubeadm certs renew, else the CA on the node); prints `renewed-by=…`. Idempotent.
   */
  | { readonly kind: 'renew-cert'; readonly host: string; readonly cert: ExpirableCert }
  /** A request (PEM) from the host's `cert` and its key, for a host with the CA's key to sign (src/targets/kubeadm-cert-signer.ts). */
  | { readonly kind: 'cert-request'; readonly host: string; readonly cert: ExpirableCert }
  /** The request on stdin signed with `cert`'s CA on this host; prints the certificate; exit 5 without the CA's key. */
  | {
      readonly kind: 'sign-cert-request';
      readonly host: string;
      readonly cert: ExpirableCert;
      readonly validity: CertValidity;
    }
  /** The expired certificate and its renewal on stdin installed as the host's `cert` (the original kept once, the renewal kept for the heal). */
  | { readonly kind: 'install-cert'; readonly host: string; readonly cert: ExpirableCert }
  /** The certificate served on `address:port`, seen from the host: `serial=<hex> notAfter=<date>`. */
  | {
      readonly kind: 'served-cert';
      readonly host: string;
      readonly cert: ExpirableCert;
      readonly address: string;
      readonly port: number;
    }
  /**
   * The kubelet's client certificate on the host, its healthz, the API's answer to that certificate
   * and the drill's backup: `serial=<hex> notAfter=<date> healthz=<code> api=<code> backup=<yes|no>`
   * (read-only; src/targets/kubeadm-kubelet-cert.ts).
   */
  | { readonly kind: 'kubelet-client-state'; readonly host: string }
  /** A request (PEM) from the kubelet's original client certificate and key; the key stays on the host. */
  | { readonly kind: 'kubelet-csr'; readonly host: string }
  /** The request on stdin signed with the cluster CA on this control plane; prints the certificate. */
  | { readonly kind: 'sign-kubelet-csr'; readonly host: string; readonly validity: KubeletCertValidity }
  /** The certificate on stdin installed as the kubelet's, with its key (`expire` keeps the original once; `renew` removes it). */
  | { readonly kind: 'install-kubelet-cert'; readonly host: string; readonly mode: KubeletCertInstall }
  /**
   * network-degrade (src/targets/kubeadm-net-degrade.ts): delay and loss on the etcd peer traffic
   * the host sends (`spec.degraded`), or the delay of a degraded peer's on this host's own
   * connections to it (the lab's proxy); the host removes it by itself after `spec.forS`.
   */
  | { readonly kind: 'degrade-net'; readonly host: string; readonly spec: NetDegradeSpec }
  /** Remove the degradation; idempotent. */
  | { readonly kind: 'undegrade-net'; readonly host: string }
  /** Print `method=… counted=N dropped=M proxy=PID|-`; exit 3 when nothing is installed. */
  | { readonly kind: 'net-degrade-state'; readonly host: string }
  /** Time `samples` HTTP round trips to each peer's etcd peer port (`GET /version`, the host's peer certificate). */
  | {
      readonly kind: 'peer-rtt';
      readonly host: string;
      readonly peers: readonly { readonly address: string; readonly port: number }[];
      readonly samples: number;
    }
  /** Print `<sum s> <count>` of the member's `etcd_disk_wal_fsync_duration_seconds`. */
  | { readonly kind: 'etcd-fsync-metrics'; readonly host: string }
  /**
   * `etcdctl snapshot restore` of the host's snapshot file into the member's data dir, as member
   * `member` with the cluster's peer URLs and a new `--initial-cluster-token`, so that etcd starts
   * on it with its usual command line. Replayable: a member this restore (same token) produced is
   * success; member data from anything else is never overwritten: refused (exit 4, the default)
   * or, with `foreignData: 'keep'` (the heal), kept with exit 0 and a note.
   */
  | {
      readonly kind: 'restore-etcd';
      readonly host: string;
      readonly member: string;
      readonly token: string;
      readonly foreignData?: 'refuse' | 'keep';
    };

/**
 * A command for the target's executor. `host` is one of the executor's hosts, or `local` for
 * the harness machine itself (e.g. the lab CLI for a lab service, `docker kill` for kind's LB).
 */
export interface Command {
  readonly host: string;
  readonly argv: readonly string[];
}

export interface HostProfile {
  readonly name: string;
  command(action: Action): Command;
  /**
   * Optional: where the harness sees the host answer from outside (TCP address and port), when
   * the executor's own connection runs over the host's link (ssh): a link-down fault proves that
   * the host stopped answering there and heals by waiting until it answers again.
   */
  reachability?(host: string): { readonly address: string; readonly port: number } | undefined;
  /**
   * Optional: where the drill's cluster lock lives on a host (src/safety/cluster-lock.ts; default
   * /var/lib/ha-drill/drill.lock): a path of the host's own.
   */
  readonly lockPath?: string;
}

export interface Target {
  readonly topology: Topology;
  readonly executor: Executor;
  readonly profile: HostProfile;
  /**
   * Timing configuration read from the target (lab config, manifests, LB configs), upstream
   * defaults for the rest, each with its origin (src/targets/defaults.ts).
   */
  timings(): Promise<TimingInputs>;
  /** Optional capability: which LB host holds the VIP now. */
  vipHolder?(): Promise<string | null>;
  /**
   * Optional capability: the target's own monitoring (the lab's mon1), polled every `pollMs`.
   * Targets without one take `--prometheus` / `--alertmanager`.
   */
  monitoring?(pollMs: number): MonitoringStack | undefined;
  close(): Promise<void>;
}

export const hostsWithRole = (t: Topology, role: HostRole): TargetHost[] =>
  t.hosts.filter((h) => h.roles.includes(role));

/** The hosts of etcd members that are not control planes (external etcd), in member order. */
export function externalEtcdHosts(t: Topology): string[] {
  const cps = new Set(hostsWithRole(t, 'control-plane').map((h) => h.name));
  return [...new Set(t.etcd.map((e) => e.host))].filter((h) => !cps.has(h));
}
