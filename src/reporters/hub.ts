/**
 * Fan-out of reporter hooks: subscribe a set of reporters to a timeline recorder (onEvent,
 * onPhase) and call the run hooks on all of them. A reporter that throws is isolated: its error
 * is returned, the others still run.
 */
import type { RunResult, SuiteResult } from '../model/result.ts';
import type { TimelineRecorder } from '../timeline/recorder.ts';
import type { Reporter, RunStartInfo } from './types.ts';

export interface ReporterError {
  readonly reporter: string;
  readonly hook: string;
  readonly error: unknown;
}

export class ReporterHub {
  readonly #reporters: readonly Reporter[];
  readonly errors: ReporterError[] = [];

  constructor(reporters: readonly Reporter[]) {
    this.#reporters = reporters;
  }

  /** Forward every recorded event (and phase events to onPhase). Returns the unsubscribe. */
  attach(recorder: TimelineRecorder): () => void {
    return recorder.subscribe((event) => {
      for (const r of this.#reporters) {
        try {
          r.onEvent?.(event);
          if (event.type === 'phase') r.onPhase?.(event);
        } catch (error) {
          this.errors.push({ reporter: r.name, hook: 'onEvent', error });
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

  async suiteEnd(result: SuiteResult): Promise<void> {
    await this.#each('onSuiteEnd', (r) => r.onSuiteEnd?.(result));
  }

  async #each(hook: string, call: (r: Reporter) => void | Promise<void>): Promise<void> {
    for (const r of this.#reporters) {
      try {
        await call(r);
      } catch (error) {
        this.errors.push({ reporter: r.name, hook, error });
      }
    }
  }
}
