/** Types of scripts/test.mjs (plain JS so `npm test` starts without a TypeScript loader). */
export function testFiles(): string[];
export function isLab(file: string): boolean;
export function isEtcd(file: string): boolean;
export function isRoot(file: string): boolean;
/** Every innermost `not ok` of a tap stream with its file, parents and diagnostic. */
export function failureReport(text: string, diagLines?: number): string[];
export const OTHER_LAB_MARKER: string;
/** Lab files in tap's order, those marked as needing another lab topology last. */
export function labOrder(files: readonly string[], read?: (file: string) => string): string[];
