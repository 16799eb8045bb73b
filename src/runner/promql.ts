/**
 * The drill config's PromQL SLOs in a run: after the heal, each expression is asked of Prometheus
 * over the fault window (effect → heal, `query_range` with one step per evaluation interval) and
 * judged (src/monitoring/promql.ts); the first violating sample goes on the timeline, back-dated
 * from Prometheus' timestamp through the run clock's wall time (the lab's Prometheus shares this
 * machine's clock; a remote one's skew shifts that mark, not the verdict).
 */
import { queryRange } from '../monitoring/client.ts';
import { judgePromql, type PromqlResult, type PromqlSlo } from '../monitoring/promql.ts';
import type { MonitoringStack } from '../monitoring/stack.ts';
import type { RunClock } from '../timeline/clock.ts';
import type { EventSink } from '../timeline/recorder.ts';

export async function checkPromqlSlos(o: {
  readonly slos: readonly PromqlSlo[];
  readonly stack: MonitoringStack;
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepS: number;
  readonly clock: RunClock;
  readonly sink: EventSink;
}): Promise<PromqlResult[]> {
  // Unix ms of run time 0, from the run clock's own wall time.
  const baseUnixMs = Date.parse(o.clock.wallTime()) - o.clock.nowMs();
  const startS = (baseUnixMs + o.fromMs) / 1000;
  const endS = Math.max(startS, (baseUnixMs + o.toMs) / 1000);
  return Promise.all(
    o.slos.map(async (slo): Promise<PromqlResult> => {
      try {
        const outcome = judgePromql(
          slo,
          await queryRange(o.stack.prometheus, slo.expr, startS, endS, o.stepS),
        );
        const v = outcome.firstViolation;
        if (v)
          o.sink.record(
            {
              type: 'promql',
              name: slo.name,
              value: v.value,
              threshold: `${slo.op} ${slo.threshold}`,
              labels: v.metric,
            },
            Math.max(0, Math.min(o.clock.nowMs(), v.unixS * 1000 - baseUnixMs)),
          );
        return { slo, outcome };
      } catch (err) {
        return { slo, error: (err as Error).message };
      }
    }),
  );
}
