/**
 * CPU time used by this process and the children it has waited for, in milliseconds: a cost that
 * other load on the machine does not inflate, unlike wall time (the unit lane runs at nice 19
 * beside the lab, where a wall-time budget measures the machine, not the code).
 * Linux only: utime, stime, cutime and cstime of /proc/self/stat (proc(5)), in clock ticks.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

export function cpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
  const ticks = [11, 12, 13, 14].reduce((s, i) => s + Number(f[i]), 0);
  return (ticks * 1000) / TICKS_PER_S;
}
