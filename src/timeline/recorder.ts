/**
 * The timeline recorder: stamps event bodies with the run clock, keeps them in order and tells
 * subscribers (the live terminal view, reporters' onEvent hooks). A subscriber that throws is
 * unsubscribed and its error becomes an event; it never breaks recording.
 */
import { createRunClock, type RunClock } from './clock.ts';
import { type EventBody, sortTimeline, type TimelineEvent } from './events.ts';

export type TimelineListener = (event: TimelineEvent) => void;

/** What probes and faults get: a recorder bound to their source name. */
export interface EventSink {
  readonly source: string;
  /** `atMs` (optional) back-dates the event, e.g. a request recorded on completion with its send time. */
  record(body: EventBody, atMs?: number): TimelineEvent;
  error(err: unknown, during?: string): TimelineEvent;
  note(message: string, data?: Record<string, unknown>): TimelineEvent;
}

export class TimelineRecorder {
  readonly clock: RunClock;
  readonly #events: TimelineEvent[] = [];
  readonly #listeners = new Set<TimelineListener>();

  constructor(clock: RunClock = createRunClock()) {
    this.clock = clock;
  }

  /**
   * Stamp and keep an event. `atMs` back-dates it (never into the future): probes record a request
   * when it completes but stamp it with its send time.
   */
  record(source: string, body: EventBody, atMs?: number): TimelineEvent {
    const now = this.clock.nowMs();
    const at = atMs === undefined ? now : Math.min(Math.max(0, atMs), now);
    const event = {
      atMs: at,
      wallTime: this.clock.wallTime(at),
      source,
      ...body,
    } as TimelineEvent;
    this.#events.push(event);
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.#listeners.delete(listener);
        this.record('timeline', errorBody(err, 'timeline subscriber'));
      }
    }
    return event;
  }

  /** A thrown error becomes an event, not a lost line. */
  error(source: string, err: unknown, during?: string): TimelineEvent {
    return this.record(source, errorBody(err, during));
  }

  note(source: string, message: string, data?: Record<string, unknown>): TimelineEvent {
    return this.record(source, data ? { type: 'note', message, data } : { type: 'note', message });
  }

  /** A sink bound to one source name. */
  sink(source: string): EventSink {
    return {
      source,
      record: (body, atMs) => this.record(source, body, atMs),
      error: (err, during) => this.error(source, err, during),
      note: (message, data) => this.note(source, message, data),
    };
  }

  subscribe(listener: TimelineListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Snapshot of all events so far, ordered by atMs (stable: recording order among equals). */
  events(): readonly TimelineEvent[] {
    return sortTimeline(this.#events);
  }

  get size(): number {
    return this.#events.length;
  }
}

export function errorBody(err: unknown, during?: string): Extract<EventBody, { type: 'error' }> {
  const base =
    err instanceof Error
      ? {
          type: 'error' as const,
          message: err.message,
          name: err.name,
          ...(err.stack ? { stack: err.stack } : {}),
        }
      : { type: 'error' as const, message: typeof err === 'string' ? err : safeString(err) };
  return during ? { ...base, during } : base;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
