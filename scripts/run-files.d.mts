/** Types of scripts/run-files.mjs (plain JS so `npm test` starts without a TypeScript loader). */
export const WAITS_MARKER: string;
export const FILE_TIMEOUT_S: number;
/** The last top-level `# { total, pass, fail }` line of a TAP stream; zeros (found false) if none. */
export function summaryCounts(text: string): { found: boolean; total: number; pass: number; fail: number };
export interface FileRun {
  readonly file: string;
  readonly code: number;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}
/** One file's result as tap's runner prints a test file. */
export function fileBlock(
  r: FileRun,
  n: number,
): { text: string; ok: boolean; counts: ReturnType<typeof summaryCounts> };
export function runFiles(
  files: readonly string[],
  options: {
    jobs?: number;
    waitingJobs?: number;
    timeoutS?: number;
    /** SIGKILL this long after the timeout, s (default 30). */
    killAfterS?: number;
    waiting?: (file: string) => boolean;
    write?: (s: string) => void;
    writeErr?: (s: string) => void;
  },
): Promise<{ code: number; total: number; pass: number; fail: number }>;
export function waitsMarked(file: string): boolean;
