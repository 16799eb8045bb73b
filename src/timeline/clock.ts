/**
 * One clock per run: a monotonic base (`performance.now()` at creation) for `atMs`, and the wall
 * clock for `wallTime`. Both sources are injectable so tests can drive time and simulate skew.
 */
import { performance } from 'node:perf_hooks';

export interface RunClock {
  /** ms since the run's base, monotonic. */
  nowMs(): number;
  /** Wall-clock ISO time, now — or at an earlier run time `atMs` (now minus the elapsed ms). */
  wallTime(atMs?: number): string;
}

export interface ClockSources {
  readonly monotonicMs?: () => number;
  readonly wallMs?: () => number;
}

export function createRunClock(sources: ClockSources = {}): RunClock {
  const mono = sources.monotonicMs ?? (() => performance.now());
  const wall = sources.wallMs ?? (() => Date.now());
  const base = mono();
  let last = 0;
  return {
    nowMs() {
      // Guard against an injected source going backwards: atMs never decreases.
      last = Math.max(last, mono() - base);
      return last;
    },
    wallTime(atMs) {
      const back = atMs === undefined ? 0 : Math.max(0, mono() - base - atMs);
      return new Date(wall() - back).toISOString();
    },
  };
}

/** A manual clock for tests: `advance(ms)` moves both monotonic and wall time. */
export interface ManualClock extends RunClock {
  advance(ms: number): void;
  set(ms: number): void;
  /** Step the wall clock only (NTP jump) by `ms`. */
  skewWall(ms: number): void;
}

export function createManualClock(wallStartIso = '2026-01-01T00:00:00.000Z'): ManualClock {
  let t = 0;
  let skew = 0;
  const wallBase = Date.parse(wallStartIso);
  return {
    nowMs: () => t,
    wallTime: (atMs) => new Date(wallBase + (atMs ?? t) + skew).toISOString(),
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = ms;
    },
    skewWall(ms) {
      skew += ms;
    },
  };
}
