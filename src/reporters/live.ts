/**
 * The live terminal view: scenario, phase, elapsed time, API status and the last notable events
 * (alert state changes and notifications among them); at the end the verdict, every measurement
 * (detection times included) and every alert outcome.
 * On a TTY the block is redrawn in place (throttled); otherwise each notable event is one plain
 * line. The stream (and whether it is a TTY) is injected, so the view is testable.
 */

import type { RunResult } from '../model/result.ts';
import type { EventOf, TimelineEvent } from '../timeline/events.ts';
import { redactString } from '../util/redact.ts';
import { alertTitle } from './alert-text.ts';
import { describeEvent, NotableFilter } from './event-text.ts';
import { fmtSlo, fmtValue, VERDICT_ICON, verdictBadge } from './format.ts';
import type { Reporter, RunStartInfo } from './types.ts';

export interface LiveStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface LiveOptions {
  readonly stream: LiveStream;
  /** Defaults to `stream.isTTY`. */
  readonly tty?: boolean;
  /** How many recent events the TTY block shows (default 6). */
  readonly lastEvents?: number;
  /** Minimum timeline ms between two TTY redraws (default 100). */
  readonly throttleMs?: number;
}

export class LiveReporter implements Reporter {
  readonly name = 'live';
  readonly #o: LiveOptions;
  readonly #tty: boolean;
  readonly #filter = new NotableFilter();
  #recent: string[] = [];
  #drawn = 0;
  #lastDrawMs = Number.NEGATIVE_INFINITY;
  #title = 'ha-drill';
  #phase = '-';
  #elapsedMs = 0;
  #api = '';

  constructor(options: LiveOptions) {
    this.#o = options;
    this.#tty = options.tty ?? !!options.stream.isTTY;
  }

  onRunStart(info: RunStartInfo): void {
    this.#title = `ha-drill ${info.scenario} on ${info.target}${info.preset ? ` (${info.preset})` : ''}`;
    this.#recent = [];
    this.#drawn = 0;
    this.#out(`${this.#title} — started ${info.startedAt}\n`);
  }

  onPhase(e: EventOf<'phase'>): void {
    if (e.state === 'start') this.#phase = e.phase;
  }

  onEvent(e: TimelineEvent): void {
    this.#elapsedMs = e.atMs;
    if (e.type === 'phase' && e.state === 'start') this.#phase = e.phase;
    if (e.type === 'api.request' && e.target === 'lb')
      this.#api = e.ok ? 'API via LB: ok' : `API via LB: FAILING (${e.status ?? e.error ?? 'error'})`;
    if (!this.#filter.isNotable(e)) {
      if (this.#tty) this.#maybeDraw(e.atMs);
      return;
    }
    const line = `${fmtAt(e.atMs)} ${e.source.padEnd(12)} ${describeEvent(e)}`;
    if (!this.#tty) {
      this.#out(`${line}\n`);
      return;
    }
    this.#recent.push(line);
    if (this.#recent.length > (this.#o.lastEvents ?? 6)) this.#recent.shift();
    this.#maybeDraw(e.atMs, true);
  }

  onRunEnd(result: RunResult): void {
    if (this.#tty) this.#draw();
    this.#out(`${verdictBadge(result.verdict)} ${result.meta.scenario}: ${result.verdictMessage}\n`);
    for (const m of result.measurements) {
      this.#out(
        `  ${VERDICT_ICON[m.verdict]} ${m.name.padEnd(28)} ${fmtValue(m).padEnd(12)} SLO ${fmtSlo(m.slo)}\n`,
      );
    }
    for (const a of result.alerts ?? []) {
      const role = a.role === 'expected' ? '' : `${a.role} `;
      this.#out(`  ${VERDICT_ICON[a.verdict]} ${role}alert ${alertTitle(a)}: ${a.message}\n`);
    }
    for (const f of result.findings) this.#out(`  • ${f.message}\n`);
    this.#drawn = 0;
  }

  #maybeDraw(atMs: number, force = false): void {
    if (!force && atMs - this.#lastDrawMs < (this.#o.throttleMs ?? 100)) return;
    this.#lastDrawMs = atMs;
    this.#draw();
  }

  #draw(): void {
    const width = Math.max(40, (this.#o.stream.columns ?? 100) - 1);
    const lines = [
      `${this.#title} · phase ${this.#phase} · ${fmtAt(this.#elapsedMs).trim()}`,
      ...(this.#api ? [`  ${this.#api}`] : []),
      ...this.#recent.map((l) => `  ${l}`),
    ].map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    // Move to the start of the previous block and clear it, then draw the new one.
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}F\x1b[0J` : '';
    this.#out(`${up}${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }

  /** Every line of the live output goes out with secrets redacted (a note or an error may quote one). */
  #out(s: string): void {
    this.#o.stream.write(redactString(s));
  }
}

function fmtAt(ms: number): string {
  return `${(ms / 1000).toFixed(2).padStart(8)} s`;
}
