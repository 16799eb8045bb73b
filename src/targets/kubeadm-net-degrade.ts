/**
 * network-degrade on a node as shell scripts: the etcd peer traffic a degraded member sends gets
 * `delayMs` ± `jitterMs` more latency and loses `lossPct` % of its packets — what a slow or lossy
 * link between masters looks like to etcd (the seeds: masters < 5 ms apart).
 *
 * - Loss: iptables `statistic --mode random` DROP (xt_statistic) on the packets the degraded host
 *   sends to its peers on etcd peer connections (either direction of a connection made to a peer
 *   port, found by conntrack's original destination port), behind a counting rule: the proof
 *   reads both counters and reports the loss actually applied.
 * - Delay, `netem` method (real nodes): a `prio` root qdisc of our own handle on the device
 *   towards each peer, a `netem delay D J` child, and u32 filters sending only the peer traffic to
 *   it (tc-netem(8); netem draws the jitter uniformly when no distribution is given, and may
 *   reorder packets). Only the degraded host needs it: netem delays what a host sends.
 * - Delay, `proxy` method (the lab: this machine's kernel has no netem): iptables `nat OUTPUT`
 *   REDIRECTs the host's own connections to a peer's port to the lab's delaying TCP proxy
 *   (src/lab/delay-proxy/) on 127.0.0.1, which connects on to the peer and holds each direction's
 *   bytes for the delay of that direction's sender: upstream when this host is degraded,
 *   downstream when the peer is. So every host with a degraded peer runs it, and each connection
 *   passes exactly one proxy, at its dialling end: the connection reaches the peer from this
 *   host's own address with this host's own certificate (etcd checks a peer's client certificate
 *   against the address it connects from: pkg/transport/listener.go `checkSAN`). The proxy runs as
 *   uid 65534, which the REDIRECT rule exempts. NAT applies when a connection starts: the
 *   member's established peer connections are reset once (`ss -K`), and etcd redials them
 *   (rafthttp's stream readers) through the proxy. A byte stream keeps its order, so jitter
 *   delays but never reorders.
 *
 * Every change is removable by name (chains HADRILL-DEGRADE / HADRILL-LOSS, qdisc handle 4a11:,
 * the proxy's session in STATE_DIR). The host heals itself after `forS` (a detached timer running
 * the same removal, armed before anything is changed), whatever happens to the harness.
 */
import { shellQuote } from '../executors/ssh.ts';
import { UserError } from '../util/errors.ts';
import { armExpiry, cancelExpiry } from './host-expiry.ts';
import { ETCD_PKI } from './kubeadm-etcd.ts';
import { STATE_DIR } from './kubeadm-fsync.ts';

export const DEGRADE_CHAIN = 'HADRILL-DEGRADE';
export const LOSS_CHAIN = 'HADRILL-LOSS';
/** Our root qdisc's handle (hex), and its netem child's. */
export const QDISC_HANDLE = '4a11';
const NETEM_HANDLE = '4a12';
/** kubeadm's etcd peer port (cmd/kubeadm/app/constants/constants.go `EtcdListenPeerPort`). */
export const KUBEADM_PEER_PORT = 2380;
/** The proxy's uid/gid (nobody), which the REDIRECT rule exempts. */
export const PROXY_UID = 65534;
/** The proxy's first listening port on 127.0.0.1 (one per peer). */
export const PROXY_PORT_BASE = 42380;

const PID_FILE = `${STATE_DIR}/net-degrade.pid`;
/** The proxy writes its ready file as uid 65534: a directory of its own, beside STATE_DIR (which may be root's alone). */
const READY_DIR = '/run/hadrill-net-degrade';
const HEAL_FILE = `${STATE_DIR}/net-degrade-heal.sh`;
const LOG_FILE = `${STATE_DIR}/net-degrade.log`;
const TIMER = 'net-degrade';

export interface DegradePeer {
  /** The peer's address (as in its peer URL). */
  readonly address: string;
  /** The peer's etcd peer port. */
  readonly port: number;
  /** The peer's own egress is degraded too (`--variant all`, or the member itself seen from a peer). */
  readonly degraded: boolean;
}

export interface NetDegradeSpec {
  readonly delayMs: number;
  readonly jitterMs: number;
  /** Packet loss, percent (0–100). */
  readonly lossPct: number;
  /** This host's own egress to its peers is degraded. */
  readonly degraded: boolean;
  readonly peers: readonly DegradePeer[];
  /** The host removes everything by itself after this many seconds. */
  readonly forS: number;
}

/** How the host delays: netem (real nodes) or the lab's proxy (argv prefix of the program). */
export type DelayMethod =
  | { readonly kind: 'netem' }
  | { readonly kind: 'proxy'; readonly argv: readonly string[] };

/**
 * A peer is an IPv4 address and a port (they go into the scripts as they are): the rules are
 * iptables' and tc's `u32 match ip`; an IPv6 peer would need ip6tables and `match ip6`.
 */
export function checkPeer(p: { readonly address: string; readonly port: number }): void {
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(p.address) || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535)
    throw new UserError(
      `network-degrade: peer ${p.address}:${p.port} is not an IPv4 address and port (IPv6 peers are not supported yet)`,
    );
}

export function checkSpec(s: NetDegradeSpec): void {
  const bad = (what: string) => {
    throw new UserError(`network-degrade: ${what}`);
  };
  if (!(s.delayMs >= 0 && s.delayMs <= 60_000))
    bad(`--delay must be between 0 and 60 s (got ${s.delayMs} ms)`);
  if (!(s.jitterMs >= 0 && s.jitterMs <= 60_000))
    bad(`--jitter must be between 0 and 60 s (got ${s.jitterMs} ms)`);
  if (!(s.lossPct >= 0 && s.lossPct <= 100)) bad(`--loss must be between 0% and 100% (got ${s.lossPct}%)`);
  if (s.delayMs === 0 && s.jitterMs === 0 && s.lossPct === 0)
    bad('nothing to degrade: give --delay, --jitter or --loss');
  for (const p of s.peers) checkPeer(p);
}

/** The peers whose connections from this host pass the proxy: one end degraded. */
export const proxiedPeers = (s: NetDegradeSpec): readonly DegradePeer[] =>
  s.peers.filter((p) => s.degraded || p.degraded);

const ipt = 'iptables -w 5';
/** Shell: `alive PID` — a process that is not a zombie (an orphan's parent may not reap it at once). */
const alive = `alive() { [ -e /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }`;
const killTimer = cancelExpiry(TIMER);

/** Shell: the devices whose root qdisc is ours (handle QDISC_HANDLE), one word each. */
const OUR_QDISC_DEVS = `$(for dev in $(ls /sys/class/net); do tc qdisc show dev "$dev" root 2>/dev/null | grep -q ' ${QDISC_HANDLE}: ' && echo "$dev"; done)`;

/** Removes everything the degradation installed; exits 1 naming what could not be removed. */
function removal(): string[] {
  return [
    alive,
    `own=$(cat ${PID_FILE} 2>/dev/null || true)`,
    `if [ -n "$own" ] && [ "$(cat /proc/$own/comm 2>/dev/null)" = timeout ]; then kill -TERM "-$own" 2>/dev/null || true; fi`,
    `while ${ipt} -t nat -D OUTPUT -j ${DEGRADE_CHAIN} 2>/dev/null; do :; done`,
    `${ipt} -t nat -F ${DEGRADE_CHAIN} 2>/dev/null || true; ${ipt} -t nat -X ${DEGRADE_CHAIN} 2>/dev/null || true`,
    `while ${ipt} -D OUTPUT -j ${DEGRADE_CHAIN} 2>/dev/null; do :; done`,
    `for c in ${DEGRADE_CHAIN} ${LOSS_CHAIN}; do ${ipt} -F $c 2>/dev/null || true; done`,
    `for c in ${DEGRADE_CHAIN} ${LOSS_CHAIN}; do ${ipt} -X $c 2>/dev/null || true; done`,
    `for dev in ${OUR_QDISC_DEVS}; do tc qdisc del dev "$dev" root 2>/dev/null; done; true`,
    // The proxy's session ends within 5 s (it closes its connections on SIGTERM).
    'i=0; while [ -n "$own" ] && alive "$own" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done',
    'left=',
    `${ipt} -t nat -S ${DEGRADE_CHAIN} >/dev/null 2>&1 && left="$left nat-chain"`,
    `${ipt} -S ${DEGRADE_CHAIN} >/dev/null 2>&1 && left="$left filter-chain"`,
    `[ -n "$own" ] && alive "$own" && left="$left proxy(pid $own)"`,
    `for dev in ${OUR_QDISC_DEVS}; do left="$left qdisc($dev)"; done`,
    `if [ -n "$left" ]; then echo "network degradation not fully removed:$left" >&2; exit 1; fi`,
    `rm -f ${PID_FILE} ${HEAL_FILE}; rm -rf ${READY_DIR}`,
  ];
}

/** Shell: the device of the route to `$1` (`ip route get`). */
const routeDev = `dev_of() { ip -o route get "$1" 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p'; }`;

function netemLines(s: NetDegradeSpec, ownPort: number): string[] {
  if (!s.degraded) return ['echo "delay: netem delays at the sender; this host sends nothing degraded"'];
  const lines = [
    routeDev,
    'devs=',
    ...s.peers.map(
      (p) =>
        `d=$(dev_of ${shellQuote(p.address)}); [ -n "$d" ] || { echo "no route to peer ${p.address}" >&2; fail 3; }; case " $devs " in *" $d "*) ;; *) devs="$devs $d";; esac`,
    ),
    'for dev in $devs; do',
    `  cur=$(tc qdisc show dev "$dev" root 2>/dev/null | head -n 1)`,
    `  case "$cur" in *" ${QDISC_HANDLE}: "*|"qdisc noqueue"*|"qdisc mq "*|"qdisc fq_codel "*|"qdisc pfifo_fast "*|"qdisc fq "*|"qdisc pfifo "*|"") ;;`,
    `  *) echo "$dev has its own root qdisc ($cur): not ours, left alone; remove it or degrade another way" >&2; fail 4;; esac`,
    `  tc qdisc del dev "$dev" root 2>/dev/null || true`,
    `  must tc qdisc add dev "$dev" root handle ${QDISC_HANDLE}: prio bands 4 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0`,
    `  tc qdisc add dev "$dev" parent ${QDISC_HANDLE}:4 handle ${NETEM_HANDLE}: netem delay ${s.delayMs}ms${s.jitterMs > 0 ? ` ${s.jitterMs}ms` : ''} 2>${STATE_DIR}/netem.err || { echo "tc netem failed on $dev: $(cat ${STATE_DIR}/netem.err) (load the sch_netem module: modprobe sch_netem; RHEL: kernel-modules-extra)" >&2; fail 3; }`,
    'done',
  ];
  for (const p of s.peers) {
    const f = `must tc filter add dev "$(dev_of ${shellQuote(p.address)})" parent ${QDISC_HANDLE}: protocol ip prio 1 u32 match ip dst ${p.address}/32`;
    lines.push(`${f} match ip dport ${p.port} 0xffff flowid ${QDISC_HANDLE}:4`);
    lines.push(`${f} match ip sport ${ownPort} 0xffff flowid ${QDISC_HANDLE}:4`);
  }
  lines.push(`echo "delay: netem ${s.delayMs}ms ${s.jitterMs}ms on$devs"`);
  return lines;
}

function proxyLines(s: NetDegradeSpec, argv: readonly string[]): string[] {
  const peers = proxiedPeers(s);
  if (peers.length === 0) return ['echo "delay: no connection of this host has a degraded end"'];
  const routes = peers.map((p, i) => {
    const up = s.degraded ? s.delayMs : 0;
    const down = p.degraded ? s.delayMs : 0;
    return `--route ${PROXY_PORT_BASE + i}=${p.address}:${p.port}:${up}:${down}`;
  });
  const cmd = [
    ...argv.map(shellQuote),
    ...routes,
    `--jitter-ms ${s.jitterMs}`,
    `--for-s ${Math.ceil(s.forS) + 20}`,
  ];
  return [
    `mkdir -p ${READY_DIR} && chown ${PROXY_UID}:${PROXY_UID} ${READY_DIR} && rm -f ${READY_DIR}/ready`,
    `setsid timeout -s TERM ${Math.ceil(s.forS) + 30} ${cmd.join(' ')} --uid ${PROXY_UID} --gid ${PROXY_UID} --ready-file ${READY_DIR}/ready </dev/null >/dev/null 2>${LOG_FILE} &`,
    `echo $! > ${PID_FILE}`,
    `i=0; while [ ! -s ${READY_DIR}/ready ] && [ $i -lt 100 ]; do alive $(cat ${PID_FILE}) || break; sleep 0.1; i=$((i+1)); done`,
    `[ -s ${READY_DIR}/ready ] || { echo "the delay proxy did not start: $(tail -n 3 ${LOG_FILE} 2>/dev/null)" >&2; fail 1; }`,
    `must ${ipt} -t nat -N ${DEGRADE_CHAIN}`,
    ...peers.map(
      (p, i) =>
        `must ${ipt} -t nat -A ${DEGRADE_CHAIN} -p tcp -d ${p.address} --dport ${p.port} -m owner ! --uid-owner ${PROXY_UID} -j REDIRECT --to-ports ${PROXY_PORT_BASE + i}`,
    ),
    `must ${ipt} -t nat -I OUTPUT 1 -j ${DEGRADE_CHAIN}`,
    // NAT applies at a connection's start: reset the established ones once; etcd redials.
    ...peers.map((p) => `ss -K dst ${p.address} dport = :${p.port} >/dev/null 2>&1 || true`),
    `echo "delay: proxy pid $(cat ${READY_DIR}/ready), ${peers.length} peer route(s)"`,
  ];
}

function lossLines(s: NetDegradeSpec, ownPort: number): string[] {
  if (!s.degraded) return [];
  const ports = [...new Set([...s.peers.map((p) => p.port), ownPort])];
  return [
    `must ${ipt} -N ${LOSS_CHAIN}`,
    // Rule 1 counts every degraded packet; rule 2 drops a share of them (the proof reads both).
    `must ${ipt} -A ${LOSS_CHAIN}`,
    ...(s.lossPct > 0
      ? [
          `must ${ipt} -A ${LOSS_CHAIN} -m statistic --mode random --probability ${(s.lossPct / 100).toFixed(6)} -j DROP`,
        ]
      : []),
    `must ${ipt} -N ${DEGRADE_CHAIN}`,
    ...s.peers.flatMap((p) =>
      ports.map(
        (port) =>
          `must ${ipt} -A ${DEGRADE_CHAIN} -p tcp -d ${p.address} -m conntrack --ctorigdstport ${port} -j ${LOSS_CHAIN}`,
      ),
    ),
    `must ${ipt} -I OUTPUT 1 -j ${DEGRADE_CHAIN}`,
    `echo "loss: ${s.lossPct}% of the packets to ${s.peers.map((p) => p.address).join(', ')}"`,
  ];
}

/**
 * Degrades the host's etcd peer traffic as `s` says. A re-run first removes what an earlier one
 * installed (idempotent). Exit 3: the host cannot (no netem, no route); 4: a root qdisc that is
 * not ours is in the way.
 */
export function degradeNetScript(s: NetDegradeSpec, ownPort: number, method: DelayMethod): string {
  checkSpec(s);
  const delay = s.delayMs > 0 || s.jitterMs > 0;
  return [
    `mkdir -p ${STATE_DIR}`,
    killTimer,
    ...removal(),
    // The host's own heal, armed before the first change: it outlives the harness.
    `cat > ${HEAL_FILE} <<'HADRILL_EOF'\n${removal().join('\n')}\nHADRILL_EOF`,
    ...armExpiry(TIMER, s.forS, `sh ${HEAL_FILE}`),
    // Any failure from here on removes what was installed before it exits.
    `fail() { sh ${HEAL_FILE} >/dev/null 2>&1; ${killTimer}; exit "$1"; }`,
    'must() { "$@" || { echo "failed: $*" >&2; fail 3; }; }',
    ...(delay ? (method.kind === 'netem' ? netemLines(s, ownPort) : proxyLines(s, method.argv)) : []),
    ...lossLines(s, ownPort),
  ].join('\n');
}

/** Removes the degradation (idempotent: nothing installed is success) and cancels the host's timer. */
export function undegradeNetScript(): string {
  return [killTimer, ...removal(), 'echo "no network degradation on this host"'].join('\n');
}

/**
 * Prints `method=<netem|proxy|loss-only|none> counted=<packets> dropped=<packets> proxy=<pid|->`;
 * exit 3 when nothing is installed, 5 when the proxy's REDIRECT is in place but the proxy is gone
 * (the peer connections it carried are refused).
 */
export function netDegradeStateScript(): string {
  return [
    alive,
    `own=$(cat ${PID_FILE} 2>/dev/null || true); proxy=-`,
    `[ -n "$own" ] && alive "$own" && proxy=$(cat ${READY_DIR}/ready 2>/dev/null || echo "$own")`,
    'method=none',
    `[ -z "${OUR_QDISC_DEVS}" ] || method=netem`,
    `if ${ipt} -t nat -S ${DEGRADE_CHAIN} >/dev/null 2>&1; then method=proxy; [ "$proxy" != - ] || { echo "the delay proxy is gone while its REDIRECT rules are in place: peer connections through it are refused; heal now" >&2; exit 5; }; fi`,
    `counted=0; dropped=0`,
    `if ${ipt} -S ${LOSS_CHAIN} >/dev/null 2>&1; then [ "$method" != none ] || method=loss-only; set -- $(${ipt} -L ${LOSS_CHAIN} -v -x -n | awk 'NR==3{c=$1} NR==4{d=$1} END{print c+0, d+0}'); counted=$1; dropped=$2; fi`,
    `[ "$method" != none ] || [ "$proxy" != - ] || { echo 'no network degradation on this host' >&2; exit 3; }`,
    'echo "method=$method counted=$counted dropped=$dropped proxy=$proxy"',
  ].join('\n');
}

export interface NetDegradeState {
  readonly method: 'netem' | 'proxy' | 'loss-only' | 'none';
  readonly counted: number;
  readonly dropped: number;
  readonly proxyPid?: number;
}

export function parseNetDegradeState(stdout: string): NetDegradeState | undefined {
  const m = /method=(netem|proxy|loss-only|none) counted=(\d+) dropped=(\d+) proxy=(\d+|-)/.exec(stdout);
  if (!m) return undefined;
  return {
    method: m[1] as NetDegradeState['method'],
    counted: Number(m[2]),
    dropped: Number(m[3]),
    ...(m[4] !== '-' ? { proxyPid: Number(m[4]) } : {}),
  };
}

/**
 * One HTTP round trip to each peer's etcd peer port, `samples` times: `GET /version` (served on
 * the peer listener: etcdserver/api/etcdhttp/peer.go `newPeerHandler`) with the host's own peer
 * certificate, timed by curl from the end of the TLS handshake to the first byte of the answer
 * (`time_starttransfer - time_appconnect`: the request out and the answer back, one round trip
 * whatever the TLS version; HTTP/1.1: etcd 3.4's peer listener drops an HTTP/2 request). Prints `<address> <appconnect s> <starttransfer s>` per sample, or
 * `<address> fail` (a lost request is data too).
 */
export function peerRttScript(peers: readonly { address: string; port: number }[], samples: number): string {
  for (const p of peers) checkPeer(p);
  const n = Math.max(1, Math.min(50, Math.floor(samples)));
  const curl = `curl -s --http1.1 -o /dev/null --max-time 10 --cacert ${ETCD_PKI}/ca.crt --cert ${ETCD_PKI}/peer.crt --key ${ETCD_PKI}/peer.key`;
  return [
    `command -v curl >/dev/null 2>&1 || { echo 'curl is not installed on this host: install it (it measures the round trip to the peers)' >&2; exit 3; }`,
    ...peers.map((p) => {
      return `i=0; while [ $i -lt ${n} ]; do if o=$(${curl} -w '${p.address} %{time_appconnect} %{time_starttransfer}' https://${p.address}:${p.port}/version); then echo "$o"; else echo '${p.address} fail'; fi; i=$((i+1)); done`;
    }),
  ].join('\n');
}

/** Round trips (s) by peer address from peerRttScript's output; failed samples counted apart. */
export function parsePeerRtt(
  stdout: string,
): Map<string, { readonly rttS: number[]; readonly failed: number }> {
  const out = new Map<string, { rttS: number[]; failed: number }>();
  for (const line of stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || !f[0]) continue;
    const e = out.get(f[0]) ?? { rttS: [], failed: 0 };
    out.set(f[0], e);
    const a = Number(f[1]);
    const b = Number(f[2]);
    if (f[1] === 'fail' || !Number.isFinite(a) || !Number.isFinite(b) || a <= 0 || b < a) e.failed++;
    else e.rttS.push(b - a);
  }
  return out;
}
