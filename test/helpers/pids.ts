/**
 * Whether a process is running: it exists and is not a zombie (dead, waiting for the parent it
 * was reparented to to reap it, which `kill -0` still finds). `/proc/<pid>/stat` is
 * `pid (comm) state ...`.
 */
import fs from 'node:fs';

export function pidRunning(pid: number | string): boolean {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
