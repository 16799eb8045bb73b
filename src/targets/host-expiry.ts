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

/**
 * Shell: ends every timer whose command line matches `pattern` (one shell word: a `pgrep -f`
 * pattern that cannot match itself, e.g. `'hadrill-expir[e]-x'`), and the `sleep` it waits in.
 * Killing only the timer's shell (`pkill -f`) left that sleep behind, an orphan for the rest of its
 * seconds (up to the 300 s of a link timer). One `kill` sends TERM to the shell first, then to its
 * children: the shell is gone before its sleep ends, so it never runs what follows the sleep. None
 * running is success. pgrep -P is in procps, busybox and BSD's pgrep alike.
 */
export const cancelTimers = (pattern: string): string =>
  `for p in $(pgrep -f ${pattern} 2>/dev/null); do kill "$p" $(pgrep -P "$p" 2>/dev/null) 2>/dev/null; done; true`;

/** Shell: cancels the timer named `name` (none is success). */
export const cancelExpiry = (name: string): string => cancelTimers(`'hadrill-expir[e]-${name}'`);

/** Shell lines: arms the timer named `name`, running `command` (one shell line) after `afterS`. */
export const armExpiry = (name: string, afterS: number, command: string): string[] => [
  `m=hadrill-expir; m="\${m}e-${name}"`,
  `setsid sh -c ": $m; sleep ${Math.ceil(afterS)}; ${command}" >/dev/null 2>&1 < /dev/null &`,
];
