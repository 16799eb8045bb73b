/** Run-relative times in analysis details: seconds since the run started, two decimals. */
export const atS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
