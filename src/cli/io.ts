/**
 * Where a CLI's own output goes: `out` is stdout (the plan, --list, --help, --json), `err` is
 * stderr (progress, warnings, the error that ends it). The entry points (drill.ts) pass the
 * process's streams; tests pass collectors and run the CLI in their own process.
 */
export interface CliIo {
  /** One line (or block) to stdout. */
  readonly out: (text: string) => void;
  /** One line (or block) to stderr. */
  readonly err: (text: string) => void;
  /** A person at a terminal can answer a question (stdin and stderr are TTYs). */
  readonly interactive: boolean;
}

/** The process's own streams. */
export const processIo = (): CliIo => ({
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
});
