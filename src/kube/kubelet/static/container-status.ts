/**
 * A container's status as the API shows it (pure): state running / waiting (ContainerCreating,
 * CrashLoopBackOff with upstream's "back-off 20s restarting failed container=…" message,
 * RunContainerError) / terminated, lastState from the previous run, restartCount, and
 * started/ready from the probes (pkg/kubelet/prober/prober_manager.go UpdatePodStatus: started
 * when running and the startup probe succeeded or there is none; ready when started and the
 * readiness probe succeeded or there is none).
 */
import os from 'node:os';
import type { V1Container, V1ContainerStatus } from '@kubernetes/client-node';
import type { ProbeResult } from './probe.ts';

export type ContainerState =
  | { readonly kind: 'waiting'; readonly reason: string; readonly message?: string }
  | { readonly kind: 'running'; readonly pid: number; readonly startTicks: string; readonly startedAt: Date }
  | { readonly kind: 'stopped' };

export interface Termination {
  readonly exitCode: number;
  readonly signal?: string;
  readonly reason: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

export interface StatusInput {
  readonly container: V1Container;
  readonly id: string;
  readonly state: ContainerState;
  readonly restartCount: number;
  readonly last: Termination | undefined;
  readonly hasStartup: boolean;
  readonly hasReadiness: boolean;
  readonly startup: ProbeResult | 'unknown' | undefined;
  readonly readiness: ProbeResult | 'unknown' | undefined;
}

export function signalNumber(sig: string): number | undefined {
  return (os.constants.signals as Record<string, number>)[sig];
}

export function containerStatus(i: StatusInput): V1ContainerStatus {
  const st = i.state;
  const running = st.kind === 'running';
  const started = running && (!i.hasStartup || i.startup === 'success');
  const ready = started && (!i.hasReadiness || i.readiness === 'success');
  const last = i.last;
  const image = i.container.image ?? '';
  return {
    name: i.container.name,
    image,
    imageID: `lab://${image}`,
    ...(running ? { containerID: i.id } : {}),
    ready,
    started,
    restartCount: i.restartCount,
    state:
      st.kind === 'running'
        ? { running: { startedAt: st.startedAt } }
        : st.kind === 'waiting'
          ? { waiting: { reason: st.reason, ...(st.message ? { message: st.message } : {}) } }
          : {
              terminated: {
                exitCode: last?.exitCode ?? 0,
                reason: last?.reason ?? 'Completed',
                startedAt: last?.startedAt,
                finishedAt: last?.finishedAt,
              },
            },
    lastState: last
      ? {
          terminated: {
            exitCode: last.exitCode,
            reason: last.reason,
            startedAt: last.startedAt,
            finishedAt: last.finishedAt,
            ...(last.signal ? { signal: signalNumber(last.signal) } : {}),
          },
        }
      : {},
  };
}
