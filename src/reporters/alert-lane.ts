/**
 * The alert lanes of the timeline chart (src/reporters/chart.ts): one lane per alert (alertname +
 * label set, as Prometheus lists it) with its pending and firing intervals, and Alertmanager's
 * notifications of it as marks (firing, resolved). Built from the timeline's `alert` and
 * `alert.notify` events (src/analysis/alerts.ts).
 */
import { alertSeries, intervalsOf, labelsMatch, labelText } from '../analysis/alerts.ts';
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';

export interface AlertSpan {
  readonly from: number;
  readonly to: number;
  readonly state: 'pending' | 'firing';
}

export interface AlertMark {
  readonly at: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
}

export interface AlertLane {
  readonly name: string;
  readonly spans: readonly AlertSpan[];
  readonly marks: readonly AlertMark[];
}

/** One lane per alert that went pending or firing; notifications go to the alerts they name. */
export function alertLanes(tl: readonly TimelineEvent[], endMs: number): AlertLane[] {
  const notes = eventsOf(tl, 'alert.notify');
  return alertSeries(tl)
    .map((s) => ({
      name: `alert ${s.alert}${labelText(s.labels)}`,
      spans: intervalsOf(s).map((i) => ({ from: i.fromMs, to: i.toMs ?? endMs, state: i.state })),
      // Alertmanager's labels carry the alert's (plus any external labels Prometheus adds).
      marks: notes
        .filter((n) => n.alert === s.alert && labelsMatch(n.labels, s.labels))
        .map((n) => ({ at: n.atMs, status: n.status, receiver: n.receiver })),
    }))
    .filter((l) => l.spans.length > 0 || l.marks.length > 0);
}
