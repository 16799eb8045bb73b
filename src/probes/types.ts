/**
 * A probe observes one aspect of the cluster and records it on the timeline until the run's
 * signal aborts it or its own time bound passes. Probes never change the cluster, except the
 * write probe, which only creates objects in the drill namespace.
 */

import type { Target } from '../targets/types.ts';
import type { EventSink } from '../timeline/recorder.ts';
import type { KubeAccess } from './kube.ts';

export interface ProbeContext {
  readonly target: Target;
  readonly kube: KubeAccess;
  readonly sink: EventSink;
  /** The run's monotonic clock (ms since run start), for back-dating request events. */
  readonly nowMs: () => number;
  /** Aborted when the run stops observing. */
  readonly signal: AbortSignal;
  /** Hard bound: a probe stops by itself after this many ms, whatever happens to the runner. */
  readonly maxRunMs: number;
}

export interface Probe {
  readonly name: string;
  /** Runs until the context's signal aborts or maxRunMs passes; never rejects. */
  run(ctx: ProbeContext): Promise<void>;
}
