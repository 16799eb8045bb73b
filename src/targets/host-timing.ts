/**
 * What a host command says about when its effect happened, measured on its host: how long it ran
 * before the effect (`lead`) and after it (`tail`), as one line after its result,
 * `hadrill-effect lead-ms=<n> tail-ms=<n>` (either part optional). Durations on one clock, so no
 * offset between the host's clock and the harness's matters; whole ms rounded down, so each is a
 * lower bound. A fault takes them off both ends of the command's round trip (src/faults/effect.ts).
 * Printed by the lab CLI's stop (src/lab/control.ts) and the kubeadm profile's graceful
 * `systemctl stop` (src/targets/kubeadm-profile.ts).
 */
/** The line's first word. */
export const HOST_TIMING_MARK = 'hadrill-effect';

/** What a command measured on its host about itself, in whole ms rounded down (lower bounds). */
export interface HostTiming {
  /** It ran at least this long before the effect (the lab CLI: its start-up). */
  readonly leadMs?: number;
  /** And at least this long after it (a graceful stop waiting for the exit). */
  readonly tailMs?: number;
}

/** `hadrill-effect lead-ms=<n> tail-ms=<n>`, for a stop command to print after its result. */
export function hostTimingLine(t: HostTiming): string {
  const part = (k: string, v: number | undefined) =>
    v === undefined ? [] : [`${k}=${Math.max(0, Math.floor(v))}`];
  return [HOST_TIMING_MARK, ...part('lead-ms', t.leadMs), ...part('tail-ms', t.tailMs)].join(' ');
}

const isMark = (line: string): boolean =>
  line === HOST_TIMING_MARK || line.startsWith(`${HOST_TIMING_MARK} `);

/** The host timing a command printed (none: nothing known beyond its round trip). */
export function hostTimingOf(stdout: string): HostTiming {
  const words = stdout.split('\n').find(isMark)?.split(' ') ?? [];
  const get = (k: string): number | undefined => {
    const w = words.find((x) => x.startsWith(`${k}=`));
    const v = w === undefined ? Number.NaN : Number(w.slice(k.length + 1));
    return Number.isInteger(v) && v >= 0 ? v : undefined;
  };
  const leadMs = get('lead-ms');
  const tailMs = get('tail-ms');
  return { ...(leadMs !== undefined ? { leadMs } : {}), ...(tailMs !== undefined ? { tailMs } : {}) };
}

/** A command's output without its host-timing line (the rest is its result, e.g. a PID). */
export const withoutHostTiming = (stdout: string): string =>
  stdout
    .split('\n')
    .filter((l) => !isMark(l))
    .join('\n');
