/**
 * The one flag parser of the emulated components, with the upstream conventions (spf13/pflag):
 * `--name=value` or `--name value`, booleans as `--name` or `--name=true|false`, durations in Go
 * syntax (duration.ts). A spec may bound a value (`min`/`max`) or require a string; unknown flags
 * and bad values raise a FlagError whose message says what to fix; `parseFlagsOrExit` turns it
 * into exit code 2.
 */
import { DurationError, formatDuration, MAX_TIMER_MS, parseDuration } from './duration.ts';

interface Common {
  readonly help: string;
}
export type FlagSpec =
  | (Common & { readonly type: 'string'; readonly default: string; readonly required?: boolean })
  /** Milliseconds; at least `min` (default 0), at most what a timer can wait. */
  | (Common & { readonly type: 'duration'; readonly default: number; readonly min?: number })
  | (Common & {
      readonly type: 'int';
      readonly default: number;
      readonly min?: number;
      readonly max?: number;
    })
  | (Common & { readonly type: 'number'; readonly default: number; readonly min?: number })
  | (Common & { readonly type: 'bool'; readonly default: boolean });

export type FlagValues<S extends Record<string, FlagSpec>> = {
  -readonly [K in keyof S]: S[K] extends { type: 'string' }
    ? string
    : S[K] extends { type: 'bool' }
      ? boolean
      : number;
};

export class FlagError extends Error {
  override name = 'FlagError';
}

function bounded(name: string, raw: string, n: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (n < min || n > max) throw new FlagError(`--${name}=${raw}: must be from ${min} to ${max}`);
  return n;
}

function convert(name: string, spec: FlagSpec, raw: string): string | number | boolean {
  switch (spec.type) {
    case 'string':
      return raw;
    case 'duration': {
      let ms: number;
      try {
        ms = parseDuration(raw);
      } catch (e) {
        if (e instanceof DurationError) throw new FlagError(`--${name}: ${e.message}`);
        throw e;
      }
      const min = spec.min ?? 0;
      if (ms < min) throw new FlagError(`--${name}=${raw}: must be at least ${formatDuration(min)}`);
      if (ms > MAX_TIMER_MS)
        throw new FlagError(`--${name}=${raw}: must be at most ${formatDuration(MAX_TIMER_MS)}`);
      return ms;
    }
    case 'int':
      if (!/^-?\d+$/.test(raw)) throw new FlagError(`--${name}: '${raw}' is not a whole number`);
      return bounded(name, raw, Number(raw), spec.min, spec.max);
    case 'number':
      if (raw.trim() === '' || !Number.isFinite(Number(raw)))
        throw new FlagError(`--${name}: '${raw}' is not a number`);
      return bounded(name, raw, Number(raw), spec.min);
    case 'bool':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new FlagError(`--${name}: '${raw}' is not a boolean; use --${name}=true or --${name}=false`);
  }
}

export function parseFlags<S extends Record<string, FlagSpec>>(
  argv: readonly string[],
  spec: S,
): FlagValues<S> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) out[k] = v.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      throw new FlagError(`unexpected argument '${arg}': every option is a --flag`);
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const s = spec[name];
    if (!s) {
      throw new FlagError(
        `unknown flag --${name}; known flags: ${Object.keys(spec)
          .map((k) => `--${k}`)
          .join(', ')}`,
      );
    }
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else if (s.type === 'bool') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new FlagError(`--${name} needs a value`);
      raw = next;
      i++;
    }
    out[name] = convert(name, s, raw);
  }
  for (const [k, v] of Object.entries(spec)) {
    if (v.type === 'string' && v.required && !out[k]) throw new FlagError(`--${k} is required`);
  }
  return out as FlagValues<S>;
}

export function usage(command: string, spec: Record<string, FlagSpec>): string {
  const lines = Object.entries(spec).map(([k, v]) => {
    const def = v.type === 'duration' ? formatDuration(v.default) : JSON.stringify(v.default);
    return `  --${k} (${v.type}, default ${def})\n      ${v.help}`;
  });
  return `usage: ${command} [flags]\n${lines.join('\n')}`;
}

/**
 * Parses flags for a component entry point and hands them to `build` (checks across flags; it may
 * throw): prints usage on --help (exit 0) and the error plus a hint on bad flags (exit 2).
 */
export function parseFlagsOrExit<S extends Record<string, FlagSpec>, T = FlagValues<S>>(
  command: string,
  argv: readonly string[],
  spec: S,
  build: (v: FlagValues<S>) => T = (v) => v as T,
): T {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage(command, spec)}\n`);
    process.exit(0);
  }
  try {
    return build(parseFlags(argv, spec));
  } catch (e) {
    process.stderr.write(`${command}: ${(e as Error).message}\n(run ${command} --help for all flags)\n`);
    process.exit(2);
  }
}
