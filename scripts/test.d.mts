/** Types of scripts/test.mjs (plain JS so `npm test` starts without a TypeScript loader). */
export function testFiles(): string[];
export function isLab(file: string): boolean;
export function isEtcd(file: string): boolean;
export function isRoot(file: string): boolean;
/** Every innermost `not ok` of a tap stream with its file, parents and diagnostic. */
export function failureReport(text: string, diagLines?: number): string[];
export const FIRST_LAB_MARKER: string;
export const OTHER_LAB_MARKER: string;
export const LATE_LAB_MARKER: string;
export const LAST_LAB_MARKER: string;
/** The lab files in the groups npm test runs one after the other (first, default, late, other topology, last). */
export function labGroups(files: readonly string[], read?: (file: string) => string): string[][];
/** Where a lane's test processes write their processinfo records (`<home>/.tap/processinfo`). */
export function processInfoHome(lane: string): string;
/** tap's command line for a lane. */
export function laneArgv(
  files: readonly string[],
  options: { jobs: number; nice: boolean; home: string },
): string[];
/** A lane's failures for the end of the output (its failing tests, or its last lines if it died). */
export function laneFailures(
  result: { name: string; code: number; text: string },
  tailLines?: number,
): string[];
/** The unit lane's command line (scripts/run-files.mjs). */
export function unitArgv(files: readonly string[], options: { nice: boolean }): string[];
