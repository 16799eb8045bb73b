/**
 * Fan-out of reporter hooks: subscribe a set of reporters to a timeline recorder (onEvent,
 * onPhase) and call the run hooks on all of them. A reporter that throws is isolated: the others
 * still run, and its error goes to `onError` (default: one line on stderr), never lost.
 */
import type { RunResult } from '../model/result.ts';
import type { TimelineRecorder } from '../timeline/recorder.ts';
import type { Reporter, RunStartInfo } from './types.ts';

export interface ReporterError {
  readonly reporter: string;
  readonly hook: string;
  readonly error: unknown;
}

const printError = (e: ReporterError) => {
  const why = e.error instanceof Error ? e.error.message : String(e.error);
  process.stderr.write(`drill: reporter ${e.reporter} failed in ${e.hook} (the drill goes on): ${why}\n`);
};

export class ReporterHub {
  readonly #reporters: readonly Reporter[];
  readonly #onError: (e: ReporterError) => void;

  constructor(reporters: readonly Reporter[], onError: (e: ReporterError) => void = printError) {
    this.#reporters = reporters;
    this.#onError = onError;
  }

  /** Forward every recorded event (and phase events to onPhase). Returns the unsubscribe. */
  attach(recorder: TimelineRecorder): () => void {
    return recorder.subscribe((event) => {
      for (const r of this.#reporters) {
        try {
          r.onEvent?.(event);
          if (event.type === 'phase') r.onPhase?.(event);
        } catch (error) {
          this.#onError({ reporter: r.name, hook: 'onEvent', error });
        }
      }
    });
  }

  async runStart(info: RunStartInfo): Promise<void> {
    await this.#each('onRunStart', (r) => r.onRunStart?.(info));
  }

  async runEnd(result: RunResult): Promise<void> {
    await this.#each('onRunEnd', (r) => r.onRunEnd?.(result));
  }

  async #each(hook: string, call: (r: Reporter) => void | Promise<void>): Promise<void> {
    for (const r of this.#reporters) {
      try {
        await call(r);
      } catch (error) {
        this.#onError({ reporter: r.name, hook, error });
      }
    }
  }
}
