/**
 * A monitoring stack for detection tests (src/analysis/detection.ts): Prometheus scraping every
 * 5 s (timeout 2 s), evaluating every 5 s, polled every 1 s, Alertmanager's group_wait 10 s, and
 * a few rules. The expected alert APIServerDown{instance="cp2"} (for: 10s) then has the windows
 * detect [10, 23.5], pending [0, 13.5], notify [20, 32.5], resolve [0, 13.5] (windows/detection.ts).
 * `drill()` is a run with the fault at 10 s (no fault.effect: t0 = the invoke), the heal invoked
 * at 61 s (resolution is timed from there) and done at 61.5 s, ending at 90 s.
 */
import type { AlertingContext, AlertRuleInfo } from '../../src/monitoring/types.ts';
import { Timeline } from './synthetic.ts';

const rule = (r: Partial<AlertRuleInfo> & Pick<AlertRuleInfo, 'name'>): AlertRuleInfo => ({
  expr: 'up == 0',
  forS: 0,
  keepFiringForS: 0,
  evaluationIntervalS: 5,
  group: 'drill',
  ...r,
});

export const RULES: readonly AlertRuleInfo[] = [
  rule({
    name: 'APIServerDown',
    expr: 'up{job="apiserver"} == 0',
    forS: 10,
    severity: 'critical',
    group: 'apiserver',
  }),
  rule({ name: 'EtcdNoLeader', expr: 'etcd_server_has_leader == 0', severity: 'critical', group: 'etcd' }),
  rule({ name: 'EtcdHighFsyncDurations', forS: 10, severity: 'warning', group: 'etcd' }),
  rule({ name: 'EtcdLeaderChanges', severity: 'critical', group: 'etcd' }),
  rule({ name: 'Watchdog', expr: 'vector(1)', severity: 'none', group: 'meta' }),
];

export const CP2 = { instance: 'cp2' };

export function alertingContext(over: Partial<AlertingContext> = {}): AlertingContext {
  return {
    scrapeIntervalS: 5,
    scrapeTimeoutS: 2,
    evaluationIntervalS: 5,
    pollIntervalS: 1,
    groupWaitS: 10,
    rules: RULES,
    alerts: { expected: [{ alert: 'APIServerDown', labels: CP2 }], allowed: ['EtcdLeaderChanges'] },
    ...over,
  };
}

/** Fault at 10 s, heal invoked at `healMs` (resolution is timed from there) and done 0.5 s later, last event at `endMs`. */
export function drill(healMs = 61_000, endMs = 90_000): Timeline {
  return new Timeline()
    .fault(10_000)
    .add(healMs, { type: 'heal.invoke', fault: 'apiserver-kill' }, 'fault')
    .add(healMs + 500, { type: 'heal.done', fault: 'apiserver-kill' }, 'fault')
    .add(endMs, { type: 'note', message: 'end of run' }, 'runner');
}

/** APIServerDown{cp2} as it should go: pending +3 s, firing +15 s, notified +27 s, inactive 5 s after the heal. */
export function detectedDrill(): Timeline {
  return drill()
    .alert(13_000, 'APIServerDown', 'pending', CP2)
    .alert(25_000, 'APIServerDown', 'firing', CP2)
    .notify(37_000, 'APIServerDown', 'firing', { ...CP2, cluster: 'lab' })
    .alert(66_000, 'APIServerDown', 'inactive', CP2)
    .notify(75_000, 'APIServerDown', 'resolved', CP2);
}
