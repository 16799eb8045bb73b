/**
 * etcd-restore on a kubeadm node as shell scripts: snapshot save, status, wipe, restore.
 *
 * Which tool, by the member's server version V (read from the member itself: `etcd --version` in
 * its running container, else its manifest's image tag; on a host without a CRI runtime, the host
 * `etcd` binary the kubelet runs):
 * - `snapshot save`: `etcdctl` in every version.
 * - `snapshot status` / `snapshot restore`: `etcdctl` before 3.5; `etcdutl` from 3.5 (etcd-io/etcd
 *   v3.5.0 etcdutl/ctl.go adds etcdutl with `snapshot status|restore`; v3.5.0
 *   etcdctl/ctlv3/command/snapshot_command.go marks etcdctl's "[deprecated] ... Moved to"; v3.6.0's
 *   has only `save`).
 * The member's own tools first (`crictl exec` into its container, or its image run once with
 * `ctr` while it is stopped); a host tool only when `<tool> version` is at least V (etcd-io/etcd
 * etcdctl|etcdutl version_command.go print `etcdctl version: X` / `etcdutl version: X`), never a
 * client older than the server.
 *
 * Replay: `restore-etcd` writes a marker (token and member) next to the member dir before moving
 * the restored member in, so running it again finds its own restore and succeeds; member data
 * without that marker is someone else's and is never overwritten.
 */
import { shellQuote } from '../executors/ssh.ts';
import { MANIFEST_DIR, PARKED_DIR } from './kubeadm-static-pod.ts';

/** kubeadm's etcd data dir (hostPath of the etcd static pod, cmd/kubeadm/app/constants). */
export const ETCD_DATA_DIR = '/var/lib/etcd';
export const ETCD_PKI = '/etc/kubernetes/pki/etcd';
export const ETCD_CLIENT_PORT = 2379;
export const snapshotFile = (dataDir: string): string => `${dataDir}/hadrill-snapshot.db`;
/** Holds `<token> <member>` of the restore that produced `member/`. */
export const restoreMarker = (dataDir: string): string => `${dataDir}/hadrill-restored`;

export interface EtcdHostFacts {
  /** The member's --data-dir. */
  readonly dataDir: string;
  /** Port of the member's client listener (used when its manifest names none). */
  readonly clientPort: number;
}

/**
 * Shell: sets `ep` to a client URL of the member on this host, from its manifest's
 * `--listen-client-urls` (live or parked): the loopback one when it listens there (kubeadm's
 * stacked member: https://127.0.0.1:2379,https://<ip>:2379, cmd/kubeadm/app/phases/etcd/local.go),
 * else the first (an external etcd host as the HA etcd guide sets it up listens on its address
 * only: setup-ha-etcd-with-kubeadm.md `listen-client-urls: https://${HOST}:2379`), a wildcard
 * address as 127.0.0.1; no manifest: https://127.0.0.1:<clientPort>.
 */
export function localClientEndpoint(f: EtcdHostFacts): string {
  const manifests = `${MANIFEST_DIR}/etcd.yaml ${PARKED_DIR}/etcd.yaml`;
  return [
    `urls=$(sed -n 's/^ *- *--listen-client-urls=//p' ${manifests} 2>/dev/null | head -n1 | tr ',' ' ')`,
    'ep=',
    'for u in $urls; do case "$u" in *//127.0.0.1:*|*//localhost:*) ep=$u; break;; esac; done',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
    '[ -n "$ep" ] || ep=${urls%% *}',
    `[ -n "$ep" ] || ep=https://127.0.0.1:${f.clientPort}`,
    `ep=$(printf %s "$ep" | sed 's#//0\\.0\\.0\\.0:#//127.0.0.1:#; s#//\\[::\\]:#//127.0.0.1:#')`,
  ].join('\n');
}

export const KUBEADM_ETCD: EtcdHostFacts = { dataDir: ETCD_DATA_DIR, clientPort: ETCD_CLIENT_PORT };

const VERSION = (tool: string) => `sed -n 's/^${tool} [Vv]ersion: *//p'`;

/** Shell: sets `V` (the member's server version) and `id` (its running container, if any). */
export function serverVersion(): string {
  const manifests = `${MANIFEST_DIR}/etcd.yaml ${PARKED_DIR}/etcd.yaml`;
  return [
    'V=; id=',
    // `vge A B`: A >= B as versions.
    'vge() { [ "$(printf \'%s\\n%s\\n\' "$1" "$2" | sort -V | tail -n1)" = "$1" ]; }',
    'if command -v crictl >/dev/null 2>&1; then',
    "  id=$(crictl ps -q --name '^etcd$' --state running | head -n1)",
    `  [ -z "$id" ] || V=$(crictl exec "$id" etcd --version 2>/dev/null | ${VERSION('etcd')})`,
    `  [ -n "$V" ] || V=$(sed -n 's/^ *image: *[^ ]*etcd:v\\{0,1\\}\\([0-9][0-9.]*[0-9]\\).*/\\1/p' ${manifests} 2>/dev/null | head -n1)`,
    'else',
    `  V=$(etcd --version 2>/dev/null | ${VERSION('etcd')})`,
    'fi',
    `[ -n "$V" ] || { echo "cannot tell the etcd server version here: no running etcd container, no image tag in ${manifests}, no etcd binary" >&2; exit 3; }`,
  ].join('\n');
}

/**
 * Shell defining `ctl` (etcdctl) and `utl` (etcdctl before 3.5, etcdutl from 3.5) as functions,
 * after `serverVersion()`. `dataDir` is mounted when the tool runs from the image.
 */
export function etcdTools(dataDir: string): string {
  const manifests = `${PARKED_DIR}/etcd.yaml ${MANIFEST_DIR}/etcd.yaml`;
  const hostOk = (tool: string) =>
    `command -v ${tool} >/dev/null 2>&1 && vge "$(${tool} version 2>/dev/null | ${VERSION(tool)})" "$V"`;
  return [
    'if vge "$V" 3.5; then tool=etcdutl; else tool=etcdctl; fi',
    'if [ -n "$id" ]; then',
    '  ctl() { crictl exec "$id" etcdctl "$@"; }; utl() { crictl exec "$id" "$tool" "$@"; }',
    'else',
    `  if ${hostOk('etcdctl')}; then ctl() { ETCDCTL_API=3 etcdctl "$@"; }`,
    '  else ctl() { echo "no etcdctl of version $V or newer on this host, and no running etcd container" >&2; return 3; }; fi',
    `  img=$(sed -n 's/^ *image: *//p' ${manifests} 2>/dev/null | head -n1)`,
    '  if [ -n "$img" ] && command -v ctr >/dev/null 2>&1; then',
    `    utl() { ctr -n k8s.io run --rm --mount type=bind,src=${dataDir},dst=${dataDir},options=rbind:rw "$img" "hadrill-etcd-$$" "$tool" "$@"; }`,
    `  elif [ "$tool" = etcdutl ] && ${hostOk('etcdutl')}; then utl() { etcdutl "$@"; }`,
    `  elif [ "$tool" = etcdctl ] && ${hostOk('etcdctl')}; then utl() { ETCDCTL_API=3 etcdctl "$@"; }`,
    '  else utl() { echo "no $tool of version $V or newer on this host, and no etcd image in its manifest or no ctr to run it" >&2; return 3; }; fi',
    'fi',
  ].join('\n');
}

/** Saves a snapshot of the local member (etcdctl, TLS with kubeadm's healthcheck-client), prints its status as JSON. */
export function snapshotScript(f: EtcdHostFacts): string {
  const snap = snapshotFile(f.dataDir);
  return [
    'set -e',
    // The snapshot holds every Secret of the cluster: readable by root alone.
    'umask 077',
    serverVersion(),
    etcdTools(f.dataDir),
    localClientEndpoint(f),
    `ctl --endpoints="$ep" --cacert=${ETCD_PKI}/ca.crt --cert=${ETCD_PKI}/healthcheck-client.crt --key=${ETCD_PKI}/healthcheck-client.key --command-timeout=60s snapshot save ${snap}.part >&2`,
    `mv ${snap}.part ${snap}`,
    `utl snapshot status ${snap} -w json`,
  ].join('\n');
}

export const readSnapshotScript = (f: EtcdHostFacts): string => `base64 -w0 ${snapshotFile(f.dataDir)}`;

export function writeSnapshotScript(f: EtcdHostFacts): string {
  const snap = snapshotFile(f.dataDir);
  return `set -e\numask 077\nmkdir -p ${f.dataDir}\nbase64 -d > ${snap}.part\nmv ${snap}.part ${snap}\nsha256sum ${snap}`;
}

/** Removes the snapshot (and a partial one) once the drill is healed. Idempotent. */
export function removeSnapshotScript(f: EtcdHostFacts): string {
  const snap = snapshotFile(f.dataDir);
  return `rm -f ${snap} ${snap}.part\n! test -e ${snap}\necho ${snap} removed`;
}

/** Keeps the snapshot (`--keep-snapshot`) for root alone, drops a partial one, prints its path. Idempotent. */
export function keepSnapshotScript(f: EtcdHostFacts): string {
  const snap = snapshotFile(f.dataDir);
  return `rm -f ${snap}.part\nif [ -e ${snap} ]; then chmod 600 ${snap} && echo ${snap}; fi`;
}

export const dataStateScript = (f: EtcdHostFacts): string => `echo ${f.dataDir}\ntest -d ${f.dataDir}/member`;

/** Destroys the member (and its restore marker), keeping the snapshot; refuses while etcd runs. Idempotent. */
export function wipeScript(f: EtcdHostFacts, host: string, etcdRunning: string): string {
  return [
    `if ${etcdRunning}; then echo 'refusing to destroy the data of a running etcd on ${host}: stop it first' >&2; exit 4; fi`,
    `rm -rf ${f.dataDir}/member`,
    `rm -f ${restoreMarker(f.dataDir)}`,
    `test ! -e ${f.dataDir}/member`,
    `echo ${f.dataDir}`,
  ].join('\n');
}

export interface RestoreParams {
  readonly host: string;
  readonly member: string;
  readonly token: string;
  readonly peerUrl: string;
  /** `name=peerURL,...` of every member. */
  readonly initialCluster: string;
  /** Member data without this restore's marker: refuse (exit 4) or keep it (exit 0, said on stderr). */
  readonly foreign: 'refuse' | 'keep';
}

/** Restores the member from the host's snapshot; a replay after its own restore succeeds. */
export function restoreScript(f: EtcdHostFacts, p: RestoreParams): string {
  const d = f.dataDir;
  const snap = snapshotFile(d);
  const out = `${d}/hadrill-restore`;
  const marker = restoreMarker(d);
  const mark = shellQuote(`${p.token} ${p.member}`);
  return [
    'set -e',
    `if [ -e ${d}/member ]; then`,
    `  if [ "$(cat ${marker} 2>/dev/null)" = ${mark} ]; then echo 'member ${p.member} already restored by this drill (token ${p.token}) in ${d}' >&2; echo ${d}; exit 0; fi`,
    p.foreign === 'keep'
      ? `  echo 'member data in ${d} is not from this drill (no restore marker for token ${p.token}): kept, not overwritten' >&2; echo ${d}; exit 0`
      : `  echo 'member data in ${d} is not from this drill (no restore marker for token ${p.token}): refusing to overwrite it; wipe it first' >&2; exit 4`,
    'fi',
    `test -s ${snap} || { echo 'no snapshot ${snap} on ${p.host}' >&2; exit 3; }`,
    serverVersion(),
    etcdTools(d),
    `rm -rf ${out}`,
    `utl snapshot restore ${snap} --name ${shellQuote(p.member)} --initial-cluster ${shellQuote(p.initialCluster)} --initial-cluster-token ${shellQuote(p.token)} --initial-advertise-peer-urls ${shellQuote(p.peerUrl)} --data-dir ${out} >&2`,
    // Marker first: a crash between the two leaves a marker without a member, which restores again.
    `printf '%s\\n' ${mark} > ${marker}`,
    `mv ${out}/member ${d}/member`,
    `rm -rf ${out}`,
    `echo ${d}`,
  ].join('\n');
}
