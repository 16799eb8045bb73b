/** Periodic loops for the apiserver's own controllers. */

/** Runs `fn` now and then every `ms` after each run ends (never overlapping); returns a stop function. */
export function loop(ms: number, fn: () => Promise<void>): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = fn().finally(() => {
      if (!stopped) timer = setTimeout(tick, ms);
    });
  };
  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

/** Admission settings for objects the apiserver creates itself (none of them are pods). */
export const INTERNAL_ADMISSION = { notReadyTolerationSeconds: 300, unreachableTolerationSeconds: 300 };
