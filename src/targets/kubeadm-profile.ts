/**
 * Host profile of a kubeadm node (VM or kind node container): static pods (kube-apiserver, etcd,
 * kube-controller-manager, kube-scheduler) stop when their manifest is moved out of
 * /etc/kubernetes/manifests into a parking directory outside it (a `.bak` left inside would still
 * load) and start when it is moved back; containers are found and killed with `crictl`; systemd
 * units (kubelet, haproxy, keepalived) with `systemctl`; partitions are the shared iptables
 * scripts; link-down arms a watchdog that brings the link back, since the link carries the
 * session that would heal it. Inventory overrides replace any action's command.
 */
import { shellQuote } from '../executors/ssh.ts';
import { LOCAL_HOST } from '../executors/types.ts';
import { UserError } from '../util/errors.ts';
import type { CommandOverride } from './inventory.ts';
import { healPartitionScript, partitionScript, showPartitionScript } from './partition.ts';
import type { Action, Command, Component, HostProfile } from './types.ts';

export const MANIFEST_DIR = '/etc/kubernetes/manifests';
/** Outside the manifest dir, so the kubelet does not load parked manifests. */
export const PARKED_DIR = '/etc/kubernetes/hadrill-parked';

const STATIC_PODS: ReadonlySet<Component> = new Set([
  'kube-apiserver',
  'etcd',
  'kube-controller-manager',
  'kube-scheduler',
]);

export interface KubeadmHostInfo {
  /** Interface the link-down fault takes down (default eth0). */
  readonly linkInterface?: string;
  readonly address?: string;
  readonly nodeName?: string;
}

export interface KubeadmProfileOptions {
  /** Per-host facts, by host name. */
  readonly hosts?: ReadonlyMap<string, KubeadmHostInfo>;
  /** Inventory overrides, keyed `kind` or `kind:component`. */
  readonly overrides?: Readonly<Record<string, CommandOverride>>;
  /** The link-down watchdog brings the link back after this many seconds (default 300; 0 = none). */
  readonly linkWatchdogS?: number;
  /** How long `start` waits for the container to run, s (default 50; kubelet rescans every 20 s). */
  readonly startWaitS?: number;
  /** etcd members (name, peer URL) for `restore-etcd`'s --initial-cluster. */
  readonly etcdMembers?: readonly { readonly name: string; readonly peerUrl: string }[];
}

/** kubeadm's etcd data dir (hostPath of the etcd static pod) and the drill's snapshot file in it. */
export const ETCD_DATA_DIR = '/var/lib/etcd';
export const ETCD_SNAPSHOT = `${ETCD_DATA_DIR}/hadrill-snapshot.db`;
const ETCD_PKI = '/etc/kubernetes/pki/etcd';
/** Where link-down keeps the default route for link-up. */
const ROUTE_FILE = '/run/hadrill-default-route';

const containerIds = (c: string, state: 'running' | 'all' = 'running'): string =>
  `crictl ps -q --name '^${c}$'${state === 'running' ? ' --state running' : ''}`;

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
  constructor(private readonly o: KubeadmProfileOptions = {}) {
    this.name = Object.keys(o.overrides ?? {}).length > 0 ? 'kubeadm+overrides' : 'kubeadm';
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
      vars.dports = a.spec.dports.join(',');
      vars.sports = a.spec.sports.join(',');
    }
    const run = typeof o === 'string' ? o : o.run;
    const on = typeof o === 'string' ? 'host' : o.on;
    return { host: on === 'local' ? LOCAL_HOST : a.host, argv: ['sh', '-c', fillTemplate(run, vars, key)] };
  }

  /** The kubeadm command for an action, as a POSIX shell script. */
  script(a: Action): string {
    switch (a.kind) {
      case 'stop':
        return STATIC_PODS.has(a.component)
          ? stopStaticPod(a.component, a.signal)
          : stopUnit(a.component, a.signal);
      case 'start':
        return STATIC_PODS.has(a.component)
          ? startStaticPod(a.component, this.o.startWaitS ?? 50)
          : `systemctl start ${unit(a.component)}`;
      case 'running':
        return STATIC_PODS.has(a.component)
          ? `id=$(${containerIds(a.component)} | head -n1); [ -n "$id" ] || { echo '${a.component} is not running' >&2; exit 3; }; echo "$id"`
          : `systemctl is-active --quiet ${unit(a.component)} || { echo '${a.component} is not running' >&2; exit 3; }; systemctl show -p MainPID --value ${unit(a.component)}`;
      case 'partition':
        return partitionScript(a.spec);
      case 'heal-partition':
        return healPartitionScript();
      case 'show-partition':
        return showPartitionScript();
      case 'link-down': {
        const i = shellQuote(this.info(a.host).linkInterface ?? 'eth0');
        const s = this.o.linkWatchdogS ?? 300;
        // The default route goes with the link: keep it for link-up.
        const save = `ip route show default dev ${i} > ${ROUTE_FILE} 2>/dev/null || true`;
        if (s === 0) return `${save}\nip link set dev ${i} down`;
        // Detached, so it survives the session it cuts; the watchdog is the heal of last resort.
        return `${save}\nnohup sh -c 'sleep 1; ip link set dev ${i} down; sleep ${s}; ip link set dev ${i} up; while read -r r; do ip route replace $r; done < ${ROUTE_FILE}' >/dev/null 2>&1 &\necho "link ${i} goes down in 1 s, back up by itself after ${s} s"`;
      }
      case 'link-up': {
        const i = shellQuote(this.info(a.host).linkInterface ?? 'eth0');
        return `ip link set dev ${i} up\n[ ! -s ${ROUTE_FILE} ] || while read -r r; do ip route replace $r; done < ${ROUTE_FILE}`;
      }
      case 'link-state':
        return `ip -o link show dev ${shellQuote(this.info(a.host).linkInterface ?? 'eth0')}`;
      case 'etcd-snapshot':
        return [
          'set -e',
          ETCDCTL,
          `ctl --endpoints=https://127.0.0.1:2379 --cacert=${ETCD_PKI}/ca.crt --cert=${ETCD_PKI}/healthcheck-client.crt --key=${ETCD_PKI}/healthcheck-client.key --command-timeout=60s snapshot save ${ETCD_SNAPSHOT}.part >&2`,
          `mv ${ETCD_SNAPSHOT}.part ${ETCD_SNAPSHOT}`,
          `ctl snapshot status ${ETCD_SNAPSHOT} -w json`,
        ].join('\n');
      case 'read-etcd-snapshot':
        return `base64 -w0 ${ETCD_SNAPSHOT}`;
      case 'write-etcd-snapshot':
        return `set -e\nmkdir -p ${ETCD_DATA_DIR}\nbase64 -d > ${ETCD_SNAPSHOT}.part\nmv ${ETCD_SNAPSHOT}.part ${ETCD_SNAPSHOT}\nsha256sum ${ETCD_SNAPSHOT}`;
      case 'etcd-data-state':
        return `echo ${ETCD_DATA_DIR}\ntest -d ${ETCD_DATA_DIR}/member`;
      case 'wipe-etcd-data':
        return [
          `if [ -n "$(${containerIds('etcd')})" ]; then echo 'refusing to destroy the data of a running etcd on ${a.host}: stop it first' >&2; exit 4; fi`,
          // The snapshot lives in the data dir (the only etcd hostPath): keep it, drop the member.
          `rm -rf ${ETCD_DATA_DIR}/member`,
          `test ! -e ${ETCD_DATA_DIR}/member`,
          `echo ${ETCD_DATA_DIR}`,
        ].join('\n');
      case 'restore-etcd': {
        const members = this.o.etcdMembers ?? [];
        const self = members.find((m) => m.name === a.member);
        if (!self)
          throw new UserError(
            `restore-etcd: member '${a.member}' is not among the inventory's etcd members (${members.map((m) => m.name).join(', ') || 'none'})`,
          );
        const cluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
        const out = `${ETCD_DATA_DIR}/hadrill-restore`;
        return [
          'set -e',
          `test -s ${ETCD_SNAPSHOT} || { echo 'no snapshot ${ETCD_SNAPSHOT} on ${a.host}' >&2; exit 3; }`,
          `test ! -e ${ETCD_DATA_DIR}/member || { echo 'member data still in ${ETCD_DATA_DIR}: wipe it first' >&2; exit 4; }`,
          `rm -rf ${out}`,
          ETCDUTL,
          `utl snapshot restore ${ETCD_SNAPSHOT} --name ${shellQuote(a.member)} --initial-cluster ${shellQuote(cluster)} --initial-cluster-token ${shellQuote(a.token)} --initial-advertise-peer-urls ${shellQuote(self.peerUrl)} --data-dir ${out} >&2`,
          `mv ${out}/member ${ETCD_DATA_DIR}/member && rm -rf ${out}`,
          `test -d ${ETCD_DATA_DIR}/member`,
          `echo ${ETCD_DATA_DIR}`,
        ].join('\n');
      }
    }
  }
}

/** `ctl`: the host's etcdctl, or the one in the running etcd container (kubeadm ships it there). */
const ETCDCTL = [
  'if command -v etcdctl >/dev/null 2>&1; then ctl() { ETCDCTL_API=3 etcdctl "$@"; }',
  `else id=$(${containerIds('etcd')} | head -n1); [ -n "$id" ] || { echo 'no etcdctl on the host and no running etcd container' >&2; exit 3; }; ctl() { crictl exec "$id" etcdctl "$@"; }; fi`,
].join('\n');

/**
 * `utl`: etcdutl (or etcdctl) on the host, else the etcd image of the parked manifest run once
 * with containerd's `ctr` (etcd is stopped while restoring), with /var/lib/etcd mounted.
 */
const ETCDUTL = [
  'if command -v etcdutl >/dev/null 2>&1; then utl() { etcdutl "$@"; }',
  'elif command -v etcdctl >/dev/null 2>&1; then utl() { ETCDCTL_API=3 etcdctl "$@"; }',
  `else img=$(sed -n 's/^ *image: *//p' ${PARKED_DIR}/etcd.yaml ${MANIFEST_DIR}/etcd.yaml 2>/dev/null | head -n1); [ -n "$img" ] || { echo 'no etcdutl on the host and no etcd manifest to take the image from' >&2; exit 3; }`,
  `  utl() { ctr -n k8s.io run --rm --mount type=bind,src=${ETCD_DATA_DIR},dst=${ETCD_DATA_DIR},options=rbind:rw "$img" hadrill-etcd-restore-$$ etcdutl "$@"; }; fi`,
].join('\n');

const unit = (c: Component): string => shellQuote(c);

function stopStaticPod(c: Component, signal: 'KILL' | 'TERM'): string {
  const m = `${MANIFEST_DIR}/${c}.yaml`;
  return [
    'set -e',
    `mkdir -p ${PARKED_DIR}`,
    `if [ -f ${m} ]; then mv ${m} ${PARKED_DIR}/${c}.yaml; elif [ ! -f ${PARKED_DIR}/${c}.yaml ]; then echo 'no manifest ${m}' >&2; exit 3; fi`,
    // The kubelet stops the pod gracefully once it sees the manifest gone; KILL does it at once.
    `ids=$(${containerIds(c)})`,
    `[ -z "$ids" ] || crictl stop --timeout ${signal === 'KILL' ? 0 : 30} $ids >/dev/null`,
    'echo "$ids"',
  ].join('\n');
}

function startStaticPod(c: Component, waitS: number): string {
  const m = `${MANIFEST_DIR}/${c}.yaml`;
  return [
    `if [ -f ${PARKED_DIR}/${c}.yaml ]; then mv ${PARKED_DIR}/${c}.yaml ${m}; fi`,
    `[ -f ${m} ] || { echo 'no manifest ${m} (nor parked in ${PARKED_DIR})' >&2; exit 3; }`,
    `i=0; while [ $i -lt ${waitS} ]; do id=$(${containerIds(c)} | head -n1); [ -n "$id" ] && { echo "$id"; exit 0; }; sleep 1; i=$((i+1)); done`,
    `echo '${c} did not start within ${waitS} s of its manifest coming back' >&2; exit 1`,
  ].join('\n');
}

function stopUnit(c: Component, signal: 'KILL' | 'TERM'): string {
  // A killed unit with Restart=always comes back: stop it after the kill.
  return signal === 'KILL'
    ? `systemctl kill --signal=SIGKILL ${unit(c)}; systemctl stop ${unit(c)}`
    : `systemctl stop ${unit(c)}`;
}
