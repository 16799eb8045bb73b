/**
 * A host's link taken down by the host itself, as shell scripts. The session that asks for it
 * runs over that link, so the host arms its own timer first: it saves the interface's IPv4 and
 * IPv6 routes (every table; not the kernel's own: `table local` and `proto kernel`, which it
 * recreates from the addresses) and global IPv6 addresses (the kernel
 * drops IPv6 addresses on link down unless keep_addr_on_down is set), takes the link down a
 * second later (after the session has its answer), and after the fault's duration brings the
 * link up and restores every saved address and route. The heal (`link-up`) does the same
 * restore and cancels a timer still pending; run twice, it changes nothing.
 */
import { shellQuote } from '../executors/ssh.ts';
import { UserError } from '../util/errors.ts';
import { cancelTimers } from './host-expiry.ts';

/**
 * Under the drill's own host-side directory: a node's /run, and in the lab each host's own
 * (src/lab/host.ts mounts /run/hadrill per host; /run itself is the machine's, where two hosts'
 * saved routes of `eth0` were one file).
 */
const STATE_DIR = '/run/hadrill/link';

/** The characters of a Linux interface name the inventory accepts (inventory.ts); anything else never reaches a shell. */
function checked(iface: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,14}$/.test(iface))
    throw new UserError(`'${iface}' is not an interface name (letters, digits, _ . @ -, at most 15)`);
  return iface;
}

/** The timer's command line carries `hadrill-link-timer-<iface>`, assembled at run time (see partition.ts). */
const killTimer = (i: string): string => cancelTimers(`'hadrill-link-time[r]-'${i}`);

/** Shell that restores the saved addresses and routes of interface `$i`. */
const restore = (i: string): string =>
  [
    `ip link set dev ${i} up`,
    `[ ! -s ${STATE_DIR}/${i}.addr6 ] || while read -r a; do ip -6 addr replace $a dev ${i} 2>/dev/null || echo "could not restore address $a" >&2; done < ${STATE_DIR}/${i}.addr6`,
    // Routes through a gateway need the connected route first: two passes.
    `for pass in 1 2; do for f in 4 6; do [ ! -s ${STATE_DIR}/${i}.route$f ] || while read -r r; do ip -$f route replace $r 2>/dev/null || [ $pass = 1 ] || echo "could not restore route $r" >&2; done < ${STATE_DIR}/${i}.route$f; done; done`,
  ].join('; ');

/**
 * Arms the host's own timer, then the link goes down 1 s later and comes back with its routes
 * after `restoreAfterS` (0: no timer, down at once; only for executors that do not use the link).
 */
export function linkDownScript(iface: string, restoreAfterS: number): string {
  const i = shellQuote(checked(iface));
  const save = [
    'set -e',
    `ip link show dev ${i} >/dev/null`,
    `mkdir -p ${STATE_DIR}`,
    `ip -o -4 route show table all | grep -v '^local \\|^broadcast \\| table local \\| proto kernel ' | grep " dev ${iface} " > ${STATE_DIR}/${i}.route4 || true`,
    `ip -o -6 route show table all | grep -v '^local \\|^anycast \\|^multicast \\| table local \\| proto kernel ' | grep " dev ${iface} " > ${STATE_DIR}/${i}.route6 || true`,
    `ip -o -6 addr show dev ${i} scope global | awk '{print $4}' > ${STATE_DIR}/${i}.addr6 || true`,
    killTimer(i),
  ];
  if (restoreAfterS <= 0) return [...save, `ip link set dev ${i} down`].join('\n');
  const s = Math.ceil(restoreAfterS);
  return [
    ...save,
    `m=hadrill-link-time; m="\${m}r-"${i}`,
    // Detached (setsid, no terminal, output discarded): it outlives the session the link carries.
    `setsid sh -c ": $m; sleep 1; ip link set dev ${i} down; sleep ${s}; ${restore(i).replaceAll('"', '\\"').replaceAll('$', '\\$')}" >/dev/null 2>&1 < /dev/null &`,
    `echo "link ${iface} goes down in 1 s; the host brings it and its routes back after ${s} s"`,
  ].join('\n');
}

/** Brings the link up with its saved addresses and routes; cancels a pending timer. Idempotent. */
export function linkUpScript(iface: string): string {
  const i = shellQuote(checked(iface));
  return [killTimer(i), restore(i), `ip -o link show dev ${i}`].join('\n');
}

export const linkStateScript = (iface: string): string => `ip -o link show dev ${shellQuote(checked(iface))}`;
