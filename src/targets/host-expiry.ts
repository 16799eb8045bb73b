/**
 * A fault's expiry on its own host, for faults the harness may not live to heal (a partition,
 * network-degrade): a detached timer (setsid, no terminal, output discarded) that sleeps, then
 * runs the removal, outliving the script that armed it and the harness. Armed before the fault's
 * first change, so the fault never exists without it; the normal heal cancels it.
 *
 * The timer carries `hadrill-expire-<name>` in its command line so a heal can cancel it. Scripts
 * never contain that text literally (it is assembled at run time, and pkill's pattern is
 * `hadrill-expir[e]-<name>`), so pkill never matches the shell running the script.
 */

/** Shell: cancels the timer named `name` (none is success). */
export const cancelExpiry = (name: string): string =>
  `pkill -f 'hadrill-expir[e]-${name}' 2>/dev/null || true`;

/** Shell lines: arms the timer named `name`, running `command` (one shell line) after `afterS`. */
export const armExpiry = (name: string, afterS: number, command: string): string[] => [
  `m=hadrill-expir; m="\${m}e-${name}"`,
  `setsid sh -c ": $m; sleep ${Math.ceil(afterS)}; ${command}" >/dev/null 2>&1 < /dev/null &`,
];
