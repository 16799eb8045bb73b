/**
 * A load-balancer fault whose heal also waits for the VIP to settle. When the stopped LB comes
 * back, VRRP preemption moves the VIP back to it (a second, short takeover); if the drill moved on
 * at once, that move would land in the verify phase or the write probe's read-back. The heal waits
 * until the original holder has the VIP again (or, without preemption, until it stays put), read
 * through the target's `vipHolder` capability: host executor only, never the Kubernetes API.
 */
import type { Target } from '../targets/types.ts';
import { sleep } from '../util/time.ts';
import type { Fault } from './types.ts';

export interface SettleOptions {
  /** The VIP holder before the fault (the one VRRP preemption gives the VIP back to). */
  readonly holder: string;
  /** How long to wait for it, ms (the scenario passes a few VRRP master-down intervals). */
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/** Waits until `holder` holds the VIP; returns the holder seen last and whether it settled. */
export async function waitVipHolder(
  target: Target,
  o: SettleOptions,
): Promise<{ readonly settled: boolean; readonly holder: string | null }> {
  if (!target.vipHolder) return { settled: true, holder: null };
  const until = performance.now() + o.timeoutMs;
  let last: string | null = null;
  for (;;) {
    last = await target.vipHolder().catch(() => null);
    if (last === o.holder) return { settled: true, holder: last };
    if (performance.now() >= until) return { settled: false, holder: last };
    await sleep(o.intervalMs ?? 100);
  }
}

export function withVipSettle(fault: Fault, o: SettleOptions): Fault {
  return {
    ...fault,
    async heal(ctx) {
      const detail = await fault.heal(ctx);
      const s = await waitVipHolder(ctx.target, o);
      return s.settled
        ? `${detail}; VIP back on ${o.holder}`
        : `${detail}; VIP still on ${s.holder ?? 'nobody'} after ${o.timeoutMs / 1000} s (no preemption back to ${o.holder})`;
    },
  };
}
