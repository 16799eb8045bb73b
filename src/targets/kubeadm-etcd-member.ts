/**
 * etcd-member-replace on a kubeadm node, as one shell script run on the member's own host: the
 * seeds' recovery of a failed member, as etcd's runtime-reconfiguration guide writes it
 * (etcd-io/website content/en/docs/v3.5/op-guide/runtime-configuration.md, "Replace a failed
 * machine": remove the member, add the new one, start it with `--initial-cluster-state=existing`):
 *  1. stop the member (its static pod's manifest parked, SIGTERM) and wait until it is gone;
 *  2. destroy its data (`<data-dir>/member`);
 *  3. `etcdctl member remove <id>` of whatever member holds its peer URL (started or not);
 *  4. `etcdctl member add <name> --peer-urls=<peer URL>`, whose output gives the new
 *     ETCD_INITIAL_CLUSTER (etcdctl/ctlv3/command/member_command.go `memberAddCommandFunc`; its
 *     first line is `Member %16x added to cluster %16x`: an ID under 16 hex digits is space-padded),
 *     retried while etcd refuses it as "unhealthy cluster": with `--strict-reconfig-check` (on by
 *     default) a member adds a voting member only once it has been connected to every voting
 *     member for the last 5 s (v3.4.23 etcdserver/server.go `mayAddMember`, `isConnectedFullySince`,
 *     `HealthInterval`), so right after any member restarted (rolling-restart just before it in
 *     `all` on seeds) the add was refused and the drill stopped half done;
 *  5. the parked manifest gets `--initial-cluster=<that>` and `--initial-cluster-state=existing`
 *     (what `kubeadm join --control-plane` writes for a member joining a running cluster,
 *     cmd/kubeadm/app/phases/etcd/local.go `getEtcdCommand`), a copy of it as it was kept beside;
 *  6. the manifest goes back (the kubelet starts the member, which fetches the cluster from its
 *     peers and catches up by snapshot) and the script waits until the member serves clients: its
 *     /health is true on its own client URL. Not on its metrics listener (:2381): etcd serves
 *     /health there from the start, answering true once the member has a leader and a read through
 *     Raft works (v3.4.23 embed/etcd.go `serveMetrics`, etcdserver/api/etcdhttp/metrics.go
 *     `checkHealth`), while its client listeners serve nothing until the member has published its
 *     name and client URLs through Raft (embed/serve.go `serve` waits on `s.ReadyNotify()`, closed by
 *     etcdserver/server.go `publish`, which retries only after a whole request timeout, 5 s + 2 ×
 *     the election timeout; main: server/embed/serve.go and server/embed/etcd.go the same). On the
 *     lab, in 4 of 6 `all` runs the member's client port answered 6.2–9.7 s after its metrics
 *     /health said true: its apiserver, whose only etcd is that member, stayed unready all that time.
 * The steps run in this order so that any prefix of them leaves a state the same script, run again,
 * finishes: `ensure` (the heal) first checks that the member is healthy and listed as started under
 * its peer URL, and runs the whole replacement otherwise (a fresh member is always safe; a member
 * restarted on wiped data under its old ID is not, so the old ID is always removed first).
 * etcdctl talks to the other members' client URLs: the host's etcdctl when it is at least the
 * member's version, else the member's own image through `ctr --net-host` (the local member is
 * stopped, so no `crictl exec`).
 */
import { shellQuote } from '../executors/ssh.ts';
import { HOST_TIMING_MARK } from './host-timing.ts';
import { ETCD_PKI, type EtcdHostFacts, serverVersion } from './kubeadm-etcd.ts';
import { findPids, MANIFEST_DIR, PARKED_DIR, stopStaticPod } from './kubeadm-static-pod.ts';

/**
 * How long `member add` is retried while etcd refuses it as "unhealthy cluster", s (one try a
 * second): six times etcd's HealthInterval, time for every peer connection to be 5 s old again.
 */
export const ADD_RETRY_S = 30;

export interface MemberReplaceParams {
  readonly member: string;
  readonly peerUrl: string;
  /** The other members' client URLs (etcdctl --endpoints). */
  readonly endpoints: readonly string[];
  /** `replace`: always; `ensure` (the heal): only when the member is not healthy and started. */
  readonly mode: 'replace' | 'ensure';
  /** How long to wait for the restarted member to serve clients, s. */
  readonly healthWaitS: number;
  /** The member's own client URL (`https://<ip>:2379`): healthy is its /health true there. */
  readonly clientUrl: string;
}

const VERSION = (tool: string) => `sed -n 's/^${tool} [Vv]ersion: *//p'`;

export function memberReplaceScript(f: EtcdHostFacts, p: MemberReplaceParams): string {
  const m = `${MANIFEST_DIR}/etcd.yaml`;
  const parked = `${PARKED_DIR}/etcd.yaml`;
  const q = shellQuote;
  const eps = p.endpoints.join(',');
  // kubeadm's health-check client certificate, for etcdctl (`--opt=value`) and curl (`--opt value`).
  const cert = {
    cacert: `${ETCD_PKI}/ca.crt`,
    cert: `${ETCD_PKI}/healthcheck-client.crt`,
    key: `${ETCD_PKI}/healthcheck-client.key`,
  };
  const flags = (sep: string) =>
    Object.entries(cert)
      .map(([k, v]) => `--${k}${sep}${v}`)
      .join(' ');
  const tls = flags('=');
  const health = `${p.clientUrl.replace(/\/+$/, '')}/health`;
  const healthy = `out=$(curl -fsS --max-time 2 ${flags(' ')} ${q(health)} 2>/dev/null) && printf '%s' "$out" | grep -q '"health": *"true"'`;
  return [
    'set -e',
    `NAME=${q(p.member)}; PEER=${q(p.peerUrl)}`,
    serverVersion(),
    `if command -v etcdctl >/dev/null 2>&1 && vge "$(etcdctl version 2>/dev/null | ${VERSION('etcdctl')})" "$V"; then`,
    `  ctl() { ETCDCTL_API=3 etcdctl --endpoints=${q(eps)} ${tls} --command-timeout=30s "$@"; }`,
    'else',
    `  img=$(sed -n 's/^ *image: *//p' ${parked} ${m} 2>/dev/null | head -n1)`,
    `  { [ -n "$img" ] && command -v ctr >/dev/null 2>&1; } || { echo "no etcdctl of version $V or newer on this host, and no etcd image in its manifest or no ctr to run it" >&2; exit 3; }`,
    `  ctl() { ctr -n k8s.io run --rm --net-host --mount type=bind,src=${ETCD_PKI},dst=${ETCD_PKI},options=rbind:ro "$img" "hadrill-etcdctl-$$" etcdctl --endpoints=${q(eps)} ${tls} --command-timeout=30s "$@"; }`,
    'fi',
    // `<id>, <started|unstarted>, <name>, <peer URLs>, <client URLs>, <is learner>` (member list's simple output)
    'line() { ctl member list | grep -F ", $PEER," | head -n1; }',
    ...(p.mode === 'ensure'
      ? [
          `i=0; while [ $i -lt 10 ]; do if ${healthy}; then l=$(line); case "$l" in *", started, $NAME, "*) echo "member $NAME healthy and started: nothing to heal ($l)"; exit 0;; esac; fi; sleep 1; i=$((i+1)); done`,
          'echo "member $NAME is not healthy and started: replacing it" >&2',
        ]
      : []),
    's0=$(date +%s%3N)',
    // 1. stop (SIGTERM, manifest parked) and wait until it is gone
    `( ${stopStaticPod('etcd', 'TERM').replaceAll('\n', '\n  ')}\n) >/dev/null`,
    's1=$(date +%s%3N)',
    'i=0; while :; do',
    findPids('etcd').replace(/^/gm, '  '),
    '  [ -n "$pids" ] || break',
    `  i=$((i+1)); [ $i -lt 150 ] || { echo 'etcd did not stop within 30 s' >&2; exit 1; }; sleep 0.2`,
    'done',
    // 2. its data
    `rm -rf ${f.dataDir}/member`,
    // 3. whatever member holds its peer URL
    'old=$(line | cut -d, -f1)',
    '[ -z "$old" ] || ctl member remove "$old" >&2',
    // 4. a new member under the same name
    // Only that refusal is retried: a request that timed out may have added the member.
    `i=0; until added=$(ctl member add "$NAME" --peer-urls="$PEER" 2>&1); do case "$added" in *'unhealthy cluster'*) i=$((i+1)); [ $i -lt ${ADD_RETRY_S} ] || { printf '%s\\n' "$added" >&2; exit 1; }; sleep 1;; *) printf '%s\\n' "$added" >&2; exit 1;; esac; done`,
    `ic=$(printf '%s\\n' "$added" | sed -n 's/^ETCD_INITIAL_CLUSTER="\\(.*\\)"$/\\1/p')`,
    "new=$(printf '%s\\n' \"$added\" | sed -n 's/^Member  *\\([0-9a-f][0-9a-f]*\\) added.*/\\1/p')",
    '[ -n "$ic" ] && [ -n "$new" ] || { echo "member add printed no initial cluster: $added" >&2; exit 1; }',
    // 5. the parked manifest joins the running cluster
    `[ -f ${parked} ] || { echo 'no parked manifest ${parked}' >&2; exit 1; }`,
    `[ -f ${parked}.before-replace ] || cp -p ${parked} ${parked}.before-replace`,
    `grep -q -- '- --initial-cluster-state=' ${parked} || sed -i 's/^\\( *\\)- --name=.*$/&\\n\\1- --initial-cluster-state=existing/' ${parked}`,
    `sed -i 's|^\\( *- --initial-cluster-state=\\).*|\\1existing|' ${parked}`,
    `if grep -q -- '- --initial-cluster=' ${parked}; then sed -i "s|^\\( *- --initial-cluster=\\).*|\\1$ic|" ${parked}; else sed -i "s|^\\( *\\)- --name=.*$|&\\n\\1- --initial-cluster=$ic|" ${parked}; fi`,
    // 6. back, and healthy
    `mv -n ${parked} ${m}`,
    `i=0; until ${healthy}; do i=$((i+1)); [ $i -lt ${p.healthWaitS * 5} ] || { echo "member $NAME ($new) not serving clients (healthy on ${health}) within ${p.healthWaitS} s of its manifest coming back" >&2; exit 1; }; sleep 0.2; done`,
    's2=$(date +%s%3N)',
    '[ -n "$old" ] || old=none',
    'echo "old=$old new=$new"',
    `echo "${HOST_TIMING_MARK} lead-ms=$((s1 - s0)) tail-ms=$((s2 - s1))"`,
  ].join('\n');
}

/** `old=<id|none> new=<id>` as the script prints it. */
export function parseReplaced(stdout: string): { oldId: string | null; newId: string } | undefined {
  const r = /^old=(\S+) new=([0-9a-f]+)$/m.exec(stdout);
  return r ? { oldId: r[1] === 'none' ? null : r[1]!, newId: r[2]! } : undefined;
}
