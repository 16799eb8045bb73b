/**
 * etcd-disk-latency on a kubeadm node as shell scripts: the local etcd member's fsync and
 * fdatasync calls delayed by strace's syscall fault injection (strace(1) `-e inject=SET:
 * delay_enter=DELAY`, strace ≥ 4.22; Debian bookworm ships 6.1), which holds each call for DELAY
 * before the kernel runs it: a slow disk as etcd sees it. etcd persists its WAL with fdatasync
 * (etcd-io/etcd server/storage/wal/wal.go `sync` → client/pkg/fileutil/sync_linux.go `Fdatasync`)
 * and its backend commit through bbolt (go.etcd.io/bbolt db.go `fdatasync`), so both are slowed,
 * and etcd's `etcd_disk_wal_fsync_duration_seconds` histogram records the delay (wal.go
 * `walFsyncSec.Observe`): the proof reads it.
 *
 * strace attaches with ptrace to every thread of the member (`-f -p`), so every syscall of the
 * member stops at the tracer, not only the delayed ones (a seccomp filter, `--seccomp-bpf`, can
 * only be installed in a process strace starts, not one it attaches to): a real cost on top of the
 * delay, as on any node where strace is used this way; the measured WAL fsync mean is the proof of
 * what the member actually saw.
 *
 * The injector runs detached under `timeout` (the host ends it by itself after the fault's
 * duration, whatever happens to the harness), in its own session, with its pid in STATE_DIR; the
 * heal ends that session and waits until the member has no tracer. Detaching is safe: strace
 * detaches every thread on SIGTERM (strace.c `cleanup` → `detach`), and the kernel detaches the
 * tracees of a tracer that dies (kernel/ptrace.c `exit_ptrace`).
 */
import { shellQuote } from '../executors/ssh.ts';
import { UserError } from '../util/errors.ts';
import { findPids } from './kubeadm-static-pod.ts';

/** The injector's pid file (its session leader, `timeout`), in the host's own /run. */
export const STATE_DIR = '/run/hadrill';
const PID_FILE = `${STATE_DIR}/fsync-delay.pid`;

/** kubeadm's etcd metrics listener (`--listen-metrics-urls=http://127.0.0.1:2381`, cmd/kubeadm/app/phases/etcd/local.go). */
export const ETCD_METRICS_URL = 'http://127.0.0.1:2381/metrics';

/** strace's delay syntax: a whole number with a unit (`100ms`, `1s`, `500us`). */
export function straceDelay(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0 || ms > 60_000)
    throw new UserError(`fsync delay must be between 0 and 60 s (got ${ms} ms)`);
  return Number.isInteger(ms) ? `${ms}ms` : `${Math.round(ms * 1000)}us`;
}

/** Shell: sets `pid` to the member's pid and `tp` to its tracer's (0: none), or exits 3. */
const memberPid = [
  findPids('etcd'),
  `[ -n "$pids" ] || { echo 'etcd is not running on this host' >&2; exit 3; }`,
  'set -- $pids; pid=$1',
  `tp=$(awk '/^TracerPid:/{print $2}' /proc/$pid/status)`,
].join('\n');

/**
 * Attaches the injector to the member (delay `delayMs` on fsync and fdatasync) for `forS`
 * seconds at most; prints `<member pid> <tracer pid>` once the member is traced. Idempotent: a
 * member our injector already traces is success (exit 0, same line). A member someone else
 * traces is refused (exit 4).
 */
export function delayFsyncScript(delayMs: number, forS: number): string {
  const delay = straceDelay(delayMs);
  const s = Math.max(1, Math.ceil(forS));
  return [
    memberPid,
    `command -v strace >/dev/null 2>&1 || { echo 'strace is not installed on this host: install it (Debian/Ubuntu: apt-get install strace; RHEL: dnf install strace)' >&2; exit 3; }`,
    `mkdir -p ${STATE_DIR}`,
    `own=$(cat ${PID_FILE} 2>/dev/null || true)`,
    'if [ "$tp" != 0 ]; then',
    // Our injector is the tracer's session leader (setsid below): the tracer's session id is it.
    `  sid=$(awk '{print $6}' /proc/$tp/stat 2>/dev/null || true)`,
    '  if [ -n "$own" ] && [ "$sid" = "$own" ]; then echo "$pid $tp"; exit 0; fi',
    `  echo "etcd (pid $pid) is already traced by pid $tp ($(cat /proc/$tp/comm 2>/dev/null)): not ours; detach it first" >&2; exit 4`,
    'fi',
    // Detached from the session that asked (it ends when the command returns), output discarded.
    `setsid timeout -s TERM ${s} strace -f -qq -o /dev/null -e trace=fsync,fdatasync -e signal=none -e inject=fsync,fdatasync:delay_enter=${delay} -p "$pid" </dev/null >/dev/null 2>${STATE_DIR}/fsync-delay.log &`,
    `echo $! > ${PID_FILE}`,
    // Attached when the member's main thread has a tracer (strace -f seizes every thread first).
    'i=0; while [ $i -lt 100 ]; do',
    `  tp=$(awk '/^TracerPid:/{print $2}' /proc/$pid/status)`,
    '  [ "$tp" = 0 ] || { echo "$pid $tp"; exit 0; }',
    `  kill -0 $(cat ${PID_FILE}) 2>/dev/null || break`,
    '  sleep 0.1; i=$((i+1))',
    'done',
    `echo "strace did not attach to etcd (pid $pid): $(tail -n 3 ${STATE_DIR}/fsync-delay.log 2>/dev/null)" >&2`,
    `kill -TERM -$(cat ${PID_FILE}) 2>/dev/null || true`,
    'exit 1',
  ].join('\n');
}

/**
 * Exit 0 printing `<member pid> <tracer pid>` while our injector traces the member; exit 3 when
 * the member has no tracer (or is not running); exit 4 when someone else's tracer holds it.
 */
export function fsyncDelayStateScript(): string {
  return [
    memberPid,
    `[ "$tp" != 0 ] || { echo "etcd (pid $pid) has no tracer" >&2; exit 3; }`,
    `own=$(cat ${PID_FILE} 2>/dev/null || true)`,
    `sid=$(awk '{print $6}' /proc/$tp/stat 2>/dev/null || true)`,
    `[ -n "$own" ] && [ "$sid" = "$own" ] || { echo "etcd (pid $pid) is traced by pid $tp, not by the drill's injector" >&2; exit 4; }`,
    'echo "$pid $tp"',
  ].join('\n');
}

/**
 * Ends the injector (its whole session: `timeout` and strace) and waits up to 10 s until the
 * member has no tracer of ours. Idempotent: no injector and an untraced member is success; so is
 * a member that is not running (nothing to detach from). A tracer that is not ours (another
 * session than the injector's) is never signalled: said, and success (the drill injected nothing
 * there; its inject refuses such a member).
 */
export function undelayFsyncScript(): string {
  return [
    `own=$(cat ${PID_FILE} 2>/dev/null || true)`,
    // Only a live session leader that is our `timeout` (its comm), never a reused pid.
    `if [ -n "$own" ] && [ "$(cat /proc/$own/comm 2>/dev/null)" = timeout ]; then kill -TERM "-$own" 2>/dev/null || true; fi`,
    findPids('etcd'),
    `if [ -z "$pids" ]; then rm -f ${PID_FILE}; echo "etcd is not running: nothing traced"; exit 0; fi`,
    'set -- $pids; pid=$1',
    'i=0; while [ $i -lt 100 ]; do',
    `  tp=$(awk '/^TracerPid:/{print $2}' /proc/$pid/status)`,
    `  [ "$tp" != 0 ] || { rm -f ${PID_FILE}; echo "etcd (pid $pid) has no tracer"; exit 0; }`,
    `  sid=$(awk '{print $6}' /proc/$tp/stat 2>/dev/null || true)`,
    // A strace of ours whose `timeout` is gone still has the injector's session id.
    '  if [ -n "$own" ] && [ "$sid" = "$own" ]; then kill -TERM "$tp" 2>/dev/null || true',
    `  else echo "etcd (pid $pid) is traced by pid $tp ($(cat /proc/$tp/comm 2>/dev/null)), not by the drill's injector: left alone"; rm -f ${PID_FILE}; exit 0; fi`,
    '  sleep 0.1; i=$((i+1))',
    'done',
    `echo "etcd (pid $pid) is still traced by the drill's injector (pid $tp) after 10 s" >&2; exit 1`,
  ].join('\n');
}

/**
 * Prints `<sum> <count>` of the member's `etcd_disk_wal_fsync_duration_seconds` histogram (its
 * `_sum` in seconds and `_count`), read from its metrics listener on the host.
 */
export function fsyncMetricsScript(metricsUrl: string = ETCD_METRICS_URL): string {
  const u = shellQuote(metricsUrl);
  return [
    `out=$(curl -fsS --max-time 5 ${u} 2>/dev/null || wget -qO- -T 5 ${u} 2>/dev/null) || { echo 'cannot read etcd metrics at '${u}' (curl or wget)' >&2; exit 3; }`,
    `printf '%s\\n' "$out" | awk '$1=="etcd_disk_wal_fsync_duration_seconds_sum"{s=$2} $1=="etcd_disk_wal_fsync_duration_seconds_count"{c=$2} END{if(s==""||c==""){print "no etcd_disk_wal_fsync_duration_seconds in the metrics" > "/dev/stderr"; exit 3} print s, c}'`,
  ].join('\n');
}

/** The `<sum> <count>` line fsyncMetricsScript prints. */
export function parseFsyncMetrics(
  stdout: string,
): { readonly sumS: number; readonly count: number } | undefined {
  const m = /^(\S+) (\S+)\s*$/.exec(stdout.trim());
  if (!m) return undefined;
  const sumS = Number(m[1]);
  const count = Number(m[2]);
  return Number.isFinite(sumS) && Number.isFinite(count) ? { sumS, count } : undefined;
}
