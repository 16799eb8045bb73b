/**
 * One drill per cluster: a lock file on the target's control-plane hosts, taken through the
 * target's own executor (ssh, `docker exec`, the lab's nsenter), so it works while the API is
 * down and needs nothing of Kubernetes. The lock is held when a majority of the control-plane
 * hosts hold our token: two drills' majorities always share a host, so at most one drill holds
 * the cluster even when some hosts are unreachable (or partitioned by the other drill). Hosts are
 * taken one by one in topology order, so two drills starting together meet on the first host and
 * one of them wins there.
 *
 * The file (mode 0600 in a 0700 directory) holds the holder (user@machine, pid, drill id,
 * scenarios), its token, and when it started and expires in the host's own clock (the expiry is
 * `now + ttl` computed on the host: no clock skew between harness and hosts). An expired lock is
 * stale and taken over. Every change happens under a short mutex (`mkdir`, atomic on POSIX file
 * systems) and a lock file is replaced by `mv` (rename, atomic): readers never see it half made.
 * Values reach the script as positional parameters (`sh -c SCRIPT ha-drill-lock op path …`),
 * quoted once by the executor (src/executors/ssh.ts shellQuote; argv for the others).
 */
import type { Executor } from '../executors/types.ts';
import { type HostProfile, hostsWithRole, type Target } from '../targets/types.ts';
import { messageOf, TargetError } from '../util/errors.ts';

/** Where the lock lives on a host unless its profile says otherwise. */
export const DEFAULT_LOCK_PATH = '/var/lib/ha-drill/drill.lock';

export const lockPathOf = (profile: HostProfile): string => profile.lockPath ?? DEFAULT_LOCK_PATH;

/**
 * The lock script: POSIX sh with coreutils (`date +%s`, `stat -c %Y`, `mv`, `mkdir`). `$1` op
 * (acquire | renew | release | read), `$2` the lock file, `$3` our token, `$4` ttl in s, `$5`
 * the holder text. Prints a status word, then `key=value` lines of the lock as it stands
 * (`old.` lines: a stale lock it replaced). Exit 0 whenever it could decide; 5 when the lock's
 * directory or its mutex is unusable.
 */
export const LOCK_SCRIPT = String.raw`set -u
op=$1 lock=$2 token=$3 ttl=$4 holder=$5
dir=$(dirname -- "$lock")
m=$lock.mutex
umask 077
{ mkdir -p -- "$dir" && chmod 700 -- "$dir"; } || { echo "cannot create $dir (the lock needs root, or a writable directory)" >&2; exit 5; }
n=0
until mkdir -- "$m" 2>/dev/null; do
  n=$((n + 1))
  [ "$n" -le 100 ] || { echo "$m: another lock command holds the mutex" >&2; exit 5; }
  # The mutex is held for milliseconds. One left by a killed lock command is stale: its holder's
  # pid (written inside) is gone and it is at least 2 s old, or it is older than 30 s (killed
  # before it wrote its pid). Never one younger than 2 s: a holder that just took it.
  t=$(stat -c %Y -- "$m" 2>/dev/null) && age=$(($(date +%s) - t)) && {
    p=$(cat -- "$m/pid" 2>/dev/null)
    if [ "$age" -gt 30 ] || { [ "$age" -ge 2 ] && [ -n "$p" ] && ! kill -0 "$p" 2>/dev/null; }; then
      rm -rf -- "$m" 2>/dev/null; continue
    fi
  }
  sleep 0.1 2>/dev/null || sleep 1
done
echo $$ >"$m/pid"
trap 'rm -rf -- "$m"' EXIT
trap 'exit 6' HUP INT TERM
field() { sed -n "s/^$1=//p" "$lock" 2>/dev/null | head -n 1; }
now=$(date +%s)
cur=$(field token)
exp=$(field expires)
write() {
  printf 'token=%s\nholder=%s\nstarted=%s\nexpires=%s\n' "$token" "$holder" "$1" $((now + ttl)) >"$lock.new" &&
    mv -f -- "$lock.new" "$lock" || { echo "cannot write $lock" >&2; exit 5; }
}
stale=no
case $exp in '' | *[!0-9]*) ;; *) [ "$exp" -lt "$now" ] && stale=yes ;; esac
case $op in
acquire)
  if [ ! -e "$lock" ]; then write "$now"; echo taken
  elif [ "$cur" = "$token" ]; then write "$(field started)"; echo taken
  elif [ "$stale" = yes ]; then echo taken; sed 's/^/old./' "$lock"; write "$now"
  else echo held
  fi ;;
renew)
  if [ -e "$lock" ] && [ "$cur" = "$token" ]; then write "$(field started)"; echo taken; else echo lost; fi ;;
release)
  if [ ! -e "$lock" ]; then echo absent
  elif [ "$cur" = "$token" ]; then rm -f -- "$lock"; echo released
  else echo not-ours
  fi ;;
read) if [ -e "$lock" ]; then echo held; else echo absent; fi ;;
*) echo "unknown op $op" >&2; exit 2 ;;
esac
[ -e "$lock" ] && cat -- "$lock"
exit 0`;

export type LockOp = 'acquire' | 'renew' | 'release' | 'read';

/** The argv that runs `op` on a host (what the journal and the dry-run plan show). */
export const lockArgv = (op: LockOp, path: string, token: string, ttlS = 0, holder = ''): string[] => [
  'sh',
  '-c',
  LOCK_SCRIPT,
  'ha-drill-lock',
  op,
  path,
  token,
  String(Math.max(0, Math.round(ttlS))),
  // One line of printable text: the file is `key=value` lines.
  holder.replace(/[\x00-\x1f\x7f]/g, '?'),
];

/** A lock file as read back, times in the host's clock. */
export interface LockInfo {
  readonly token?: string;
  readonly holder?: string;
  readonly startedAt?: string;
  readonly expiresAt?: string;
}

export type HostLockState =
  | { readonly host: string; readonly status: 'taken'; readonly info: LockInfo; readonly replaced?: LockInfo }
  | { readonly host: string; readonly status: 'held' | 'lost' | 'not-ours'; readonly info: LockInfo }
  | { readonly host: string; readonly status: 'released' | 'absent' }
  | { readonly host: string; readonly status: 'error'; readonly why: string };

const iso = (epoch: string | undefined): string | undefined =>
  epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000).toISOString() : undefined;

function info(fields: ReadonlyMap<string, string>, prefix = ''): LockInfo {
  const f = (k: string) => fields.get(prefix + k);
  return {
    ...(f('token') !== undefined ? { token: f('token') } : {}),
    ...(f('holder') !== undefined ? { holder: f('holder') } : {}),
    ...(iso(f('started')) ? { startedAt: iso(f('started')) } : {}),
    ...(iso(f('expires')) ? { expiresAt: iso(f('expires')) } : {}),
  };
}

/** Parses the script's answer. */
export function parseLockOutput(host: string, stdout: string): HostLockState {
  const [status = '', ...rest] = stdout.trim().split('\n');
  const fields = new Map<string, string>();
  for (const l of rest) {
    const i = l.indexOf('=');
    if (i > 0 && !fields.has(l.slice(0, i))) fields.set(l.slice(0, i), l.slice(i + 1));
  }
  switch (status) {
    case 'taken': {
      const replaced = info(fields, 'old.');
      return { host, status, info: info(fields), ...(fields.has('old.token') ? { replaced } : {}) };
    }
    case 'held':
    case 'lost':
    case 'not-ours':
      return { host, status, info: info(fields) };
    case 'released':
    case 'absent':
      return { host, status };
    default:
      return { host, status: 'error', why: `unexpected answer: ${stdout.trim().slice(0, 200)}` };
  }
}

/** Runs `op` on one host; never throws (an unreachable host is an `error` state). */
export async function lockOn(
  executor: Executor,
  host: string,
  argv: readonly string[],
  timeoutMs: number,
): Promise<HostLockState> {
  try {
    const res = await executor.exec(host, argv, { timeoutMs });
    if (res.code !== 0)
      return {
        host,
        status: 'error',
        why: res.timedOut ? `no answer in ${timeoutMs / 1000} s` : res.stderr.trim() || `exit ${res.code}`,
      };
    return parseLockOutput(host, res.stdout);
  } catch (err) {
    return { host, status: 'error', why: messageOf(err) };
  }
}

/** The hosts that carry the lock: the control planes (etcd hosts when none is marked). */
export function lockHosts(target: Pick<Target, 'topology'>): string[] {
  const cps = hostsWithRole(target.topology, 'control-plane');
  return (cps.length > 0 ? cps : hostsWithRole(target.topology, 'etcd')).map((h) => h.name);
}

export const majorityOf = (n: number): number => Math.floor(n / 2) + 1;

export interface AcquireOptions {
  readonly token: string;
  readonly holder: string;
  readonly ttlS: number;
  /** Per host command limit (default 15 s). */
  readonly timeoutMs?: number;
}

/** What a drill holds: the hosts our token is on, and where. */
export interface HeldClusterLock {
  readonly token: string;
  readonly path: string;
  readonly hosts: readonly string[];
  readonly holder: string;
  /** The latest expiry any host reported (host clock). */
  readonly expiresAt?: string;
  /** Stale locks taken over on the way, by host. */
  readonly replaced: readonly { readonly host: string; readonly info: LockInfo }[];
  /** Hosts that did not answer (the lock holds through the majority). */
  readonly unreachable: readonly { readonly host: string; readonly why: string }[];
}

const describe = (i: LockInfo): string =>
  `${i.holder ?? 'an unknown holder'}${i.startedAt ? `, since ${i.startedAt}` : ''}${i.expiresAt ? `, expires ${i.expiresAt}` : ''}`;

/** How to clear a lock by hand, said whenever one is in the way. */
export const clearByHand = (path: string, hosts: readonly string[]): string =>
  `if that drill is gone (killed, its machine lost) and it left no fault ('npm run drill -- recover' on its machine heals and unlocks), wait for the expiry or remove ${path} as root on ${hosts.join(', ')}`;

/**
 * Takes the cluster lock, host by host; refuses (TargetError, exit 3) when another drill holds
 * it, naming the holder, or when fewer than a majority of the hosts answered. On refusal the
 * hosts already taken are released again.
 */
export async function acquireClusterLock(target: Target, o: AcquireOptions): Promise<HeldClusterLock> {
  const path = lockPathOf(target.profile);
  const hosts = lockHosts(target);
  const timeoutMs = o.timeoutMs ?? 15_000;
  const argv = lockArgv('acquire', path, o.token, o.ttlS, o.holder);
  const states: HostLockState[] = [];
  for (const host of hosts) {
    const s = await lockOn(target.executor, host, argv, timeoutMs);
    states.push(s);
    if (s.status === 'held') break;
  }
  const taken = states.flatMap((s) => (s.status === 'taken' ? [s] : []));
  const unreachable = states.flatMap((s) => (s.status === 'error' ? [{ host: s.host, why: s.why }] : []));
  const held = states.find(
    (s): s is HostLockState & { readonly status: 'held'; readonly info: LockInfo } => s.status === 'held',
  );
  const need = majorityOf(hosts.length);
  if (held || taken.length < need) {
    const undo = lockArgv('release', path, o.token);
    await Promise.all(taken.map((s) => lockOn(target.executor, s.host, undo, timeoutMs)));
    if (held)
      throw new TargetError(
        `another drill holds ${target.topology.name}: ${describe(held.info)} (lock ${path} on ${held.host}). One drill per cluster: wait for it to finish; ${clearByHand(path, hosts)}`,
      );
    throw new TargetError(
      `cannot lock ${target.topology.name}: ${taken.length} of ${hosts.length} control-plane hosts took the lock, ${need} needed (${unreachable.map((u) => `${u.host}: ${u.why}`).join('; ')}). Make the hosts reachable (and ${path}'s directory writable) and run again`,
    );
  }
  const expiries = taken.flatMap((s) => (s.info.expiresAt ? [s.info.expiresAt] : [])).sort();
  return {
    token: o.token,
    path,
    hosts: taken.map((s) => s.host),
    holder: o.holder,
    ...(expiries.length ? { expiresAt: expiries.at(-1) } : {}),
    replaced: taken.flatMap((s) => (s.replaced ? [{ host: s.host, info: s.replaced }] : [])),
    unreachable,
  };
}

/** Extends our lock on every host holding it (`now + ttlS` in the host's clock). */
export function renewClusterLock(
  executor: Executor,
  lock: HeldClusterLock,
  ttlS: number,
  timeoutMs = 15_000,
): Promise<HostLockState[]> {
  const argv = lockArgv('renew', lock.path, lock.token, ttlS, lock.holder);
  return Promise.all(lock.hosts.map((h) => lockOn(executor, h, argv, timeoutMs)));
}

/** Removes our lock where it is still ours (another holder's lock is left alone). */
export function releaseClusterLock(
  executor: Executor,
  lock: Pick<HeldClusterLock, 'path' | 'token' | 'hosts'>,
  timeoutMs = 15_000,
): Promise<HostLockState[]> {
  const argv = lockArgv('release', lock.path, lock.token);
  return Promise.all(lock.hosts.map((h) => lockOn(executor, h, argv, timeoutMs)));
}

/** One line per host of a release or renewal that did not simply succeed. */
export function lockProblems(states: readonly HostLockState[]): string[] {
  return states.flatMap((s) => {
    if (s.status === 'error') return [`${s.host}: ${s.why}`];
    if (s.status === 'lost' || s.status === 'not-ours')
      return [`${s.host}: the lock there is no longer ours (${describe(s.info)})`];
    return [];
  });
}
