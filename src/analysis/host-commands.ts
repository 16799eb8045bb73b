/**
 * How long a host takes to run a trivial command through the target's executor, as findings
 * (every preflight, on each host). The drill reads hosts while it observes (over ssh the VIP
 * holder of each LB every 100 ms, with a 1 s timeout once the LB has answered: src/targets/ssh.ts
 * vipHolder), and every command over ssh runs through the user's login shell: bash run by sshd
 * sources ~/.bashrc even when not interactive (bash shell.c run_startup_files, SSH_SOURCE_BASHRC),
 * so slow startup files (pyenv, conda, nvm init) are paid on every read. A host whose commands
 * take half of that timeout or more gets a warning that says so before the drill's numbers do.
 * Pure: the caller measured.
 */
import type { Finding } from './types.ts';

/** Half of the ssh target's 1 s VIP read timeout. */
export const SLOW_HOST_COMMAND_MS = 500;

export type HostCommandTime =
  | { readonly host: string; readonly ok: true; readonly ms: number }
  | { readonly host: string; readonly ok: false; readonly why: string };

export function hostCommandFindings(times: readonly HostCommandTime[], executor: string): Finding[] {
  const out: Finding[] = [];
  for (const t of times) {
    if (!t.ok) continue; // a host that cannot be reached is the preflight's to say
    if (t.ms < SLOW_HOST_COMMAND_MS) continue;
    out.push({
      id: `slow-host-command:${t.host}`,
      severity: 'warning',
      message:
        `${t.host}: a trivial command takes ${(t.ms / 1000).toFixed(2)} s through the ${executor} executor ` +
        `(${SLOW_HOST_COMMAND_MS} ms or more): the drill's reads of the host are that slow, and the VIP ` +
        'holder read (1 s timeout) may read an LB as gone. Over ssh every command runs through the ' +
        "user's login shell, and bash sources ~/.bashrc even then: make its slow parts (pyenv, conda, " +
        'nvm init) interactive-only, or use a user whose shell starts fast',
    });
  }
  return out;
}
