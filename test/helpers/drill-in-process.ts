/**
 * Test helper: the drill CLI's own code run in the test's process (drillMain,
 * src/cli/drill-main.ts: what the entry point drill.ts runs), with its stdout and stderr
 * collected and no terminal, for tests that run it many times: a CLI process costs about 0.4 s of
 * CPU. Tests that need the CLI as a user starts it (exit codes, signals, the launcher) use
 * helpers/cli.ts. The process's env (PATH, HADRILL_*) applies as it would to the CLI.
 */
import { drillMain } from '../../src/cli/drill-main.ts';
import type { CliResult } from './cli.ts';

export async function drillInProcess(args: readonly string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await drillMain(args, {
    out: (text) => {
      stdout += `${text}\n`;
    },
    err: (text) => {
      stderr += `${text}\n`;
    },
    interactive: false,
  });
  return { code, stdout, stderr, timedOut: false };
}
