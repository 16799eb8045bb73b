/** A bounded loop: runs `tick` every `intervalMs` until aborted or `maxRunMs` passes. */
import { setTimeout as delay } from 'node:timers/promises';

export async function every(
  intervalMs: number,
  signal: AbortSignal,
  maxRunMs: number,
  tick: () => Promise<void>,
): Promise<void> {
  const until = performance.now() + maxRunMs;
  while (!signal.aborted && performance.now() < until) {
    const started = performance.now();
    await tick();
    const wait = Math.max(0, intervalMs - (performance.now() - started));
    if (wait > 0) await delay(wait, undefined, { signal }).catch(() => undefined);
  }
}
