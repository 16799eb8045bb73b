/**
 * `timeline.jsonl`: one event per line, keys in recording order. `parseTimelineJsonl` checks the
 * envelope (atMs, wallTime, source, known type) and names the line of any bad input.
 */
import { isEventType, type TimelineEvent } from './events.ts';

export function toTimelineJsonl(events: readonly TimelineEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + (events.length > 0 ? '\n' : '');
}

export class TimelineParseError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`timeline.jsonl line ${line}: ${message}`);
    this.name = 'TimelineParseError';
    this.line = line;
  }
}

export function parseTimelineJsonl(text: string): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new TimelineParseError(i + 1, `not JSON (${(err as Error).message})`);
    }
    events.push(checkEnvelope(value, i + 1));
  }
  return events;
}

function checkEnvelope(value: unknown, line: number): TimelineEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TimelineParseError(line, 'expected a JSON object');
  }
  const v = value as Record<string, unknown>;
  if (typeof v.atMs !== 'number' || !Number.isFinite(v.atMs)) {
    throw new TimelineParseError(line, '"atMs" must be a finite number');
  }
  if (typeof v.wallTime !== 'string') throw new TimelineParseError(line, '"wallTime" must be an ISO string');
  if (typeof v.source !== 'string') throw new TimelineParseError(line, '"source" must be a string');
  if (!isEventType(v.type))
    throw new TimelineParseError(line, `unknown event type ${JSON.stringify(v.type)}`);
  return v as unknown as TimelineEvent;
}
