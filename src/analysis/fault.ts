/**
 * Where the fault sits on the timeline: injected (`fault.invoke`) and proven (`fault.proof`), or
 * not. Every timing measurement starts when the fault took effect: its `fault.effect` event when
 * the fault found that moment out (e.g. a link the host downs a second after the command), else
 * the invoke. Without proof there is no number.
 */
import { eventsOf, type FaultProof, type FaultTarget, type TimelineEvent } from '../timeline/events.ts';

export type FaultStatus =
  | { readonly status: 'none' }
  | {
      readonly status: 'noeffect';
      readonly fault: string;
      readonly invokeMs: number;
      readonly reason: string;
    }
  | { readonly status: 'unproven'; readonly fault: string; readonly invokeMs: number }
  | {
      readonly status: 'proven';
      readonly fault: string;
      readonly invokeMs: number;
      /** When it took effect (`fault.effect`), else the invoke: where measurements start. */
      readonly effectMs: number;
      readonly proofMs: number;
      readonly target: FaultTarget;
      readonly proofs: readonly FaultProof[];
      /** heal.done time, when the heal finished. */
      readonly healedMs?: number;
    };

export function faultStatus(events: readonly TimelineEvent[]): FaultStatus {
  const invoke = eventsOf(events, 'fault.invoke')[0];
  if (!invoke) return { status: 'none' };
  const after = events.filter((e) => e.atMs >= invoke.atMs);
  const noeffect = eventsOf(after, 'fault.noeffect')[0];
  const proofs = eventsOf(after, 'fault.proof');
  if (proofs.length === 0) {
    return noeffect
      ? { status: 'noeffect', fault: invoke.fault, invokeMs: invoke.atMs, reason: noeffect.reason }
      : { status: 'unproven', fault: invoke.fault, invokeMs: invoke.atMs };
  }
  const healed = eventsOf(after, 'heal.done')[0];
  const effect = eventsOf(after, 'fault.effect')[0];
  return {
    status: 'proven',
    fault: invoke.fault,
    invokeMs: invoke.atMs,
    effectMs: effect?.atMs ?? invoke.atMs,
    proofMs: proofs[0]!.atMs,
    target: invoke.target,
    proofs: proofs.map((p) => p.proof),
    ...(healed ? { healedMs: healed.atMs } : {}),
  };
}

/** Why there is no number, for a fault that is not proven. */
export function faultProblem(f: FaultStatus): string | undefined {
  switch (f.status) {
    case 'none':
      return 'no fault was injected';
    case 'noeffect':
      return `the fault did not take effect: ${f.reason}`;
    case 'unproven':
      return 'the fault reported no proof of effect';
    case 'proven':
      return undefined;
  }
}
