/**
 * kube-scheduler's metrics, names, labels, types and buckets as kubernetes/kubernetes
 * pkg/scheduler/metrics/metrics.go defines them:
 *  - `scheduler_pending_pods{queue}` gauge, queue active | backoff | unschedulable | gated (all four
 *    exist from the start, as the queue's recorders make them);
 *  - `scheduler_schedule_attempts_total{result, profile}` counter, result scheduled |
 *    unschedulable | error;
 *  - `scheduler_scheduling_attempt_duration_seconds{result, profile}` histogram,
 *    ExponentialBuckets(0.001, 2, 15).
 * The profile is the pod's scheduler name (one profile: default-scheduler).
 */
import { Counter, exponentialBuckets, Gauge, Histogram, type Registry } from 'prom-client';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';
export const QUEUES = ['active', 'backoff', 'unschedulable', 'gated'] as const;
export type Queue = (typeof QUEUES)[number];

export interface SchedulerMetrics {
  attempt(result: AttemptResult, profile: string, seconds: number): void;
  pending(counts: Readonly<Record<Queue, number>>): void;
}

export function schedulerMetrics(registry: Registry): SchedulerMetrics {
  const pendingPods = new Gauge({
    name: 'scheduler_pending_pods',
    help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
    labelNames: ['queue'],
    registers: [registry],
  });
  for (const q of QUEUES) pendingPods.labels(q).set(0);
  const attempts = new Counter({
    name: 'scheduler_schedule_attempts_total',
    help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
    labelNames: ['result', 'profile'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'scheduler_scheduling_attempt_duration_seconds',
    help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
    labelNames: ['result', 'profile'],
    buckets: exponentialBuckets(0.001, 2, 15),
    registers: [registry],
  });
  return {
    attempt(result, profile, seconds) {
      attempts.labels(result, profile).inc();
      duration.labels(result, profile).observe(seconds);
    },
    pending(counts) {
      for (const q of QUEUES) pendingPods.labels(q).set(counts[q]);
    },
  };
}
