/**
 * A small flag parser with the upstream components' conventions: `--name=value` or `--name value`,
 * booleans as `--name`, `--name=true|false`; durations in Go syntax. Unknown flags and bad values
 * raise a FlagError whose message says what to fix; `runMain` turns it into exit code 2.
 */
import { parseDuration } from './duration.ts';

export type FlagSpec =
  | { readonly type: 'string'; readonly default: string; readonly help: string }
  | { readonly type: 'duration'; readonly default: number; readonly help: string }
  | { readonly type: 'int'; readonly default: number; readonly help: string }
  | { readonly type: 'bool'; readonly default: boolean; readonly help: string };

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

function convert(name: string, spec: FlagSpec, raw: string): string | number | boolean {
  switch (spec.type) {
    case 'string':
      return raw;
    case 'duration':
      try {
        const ms = parseDuration(raw);
        if (ms < 0) throw new Error('negative');
        return ms;
      } catch (e) {
        throw new FlagError(`--${name}: ${(e as Error).message}`);
      }
    case 'int': {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new FlagError(`--${name}: '${raw}' is not a whole number`);
      return n;
    }
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
  return out as FlagValues<S>;
}

export function usage(command: string, spec: Record<string, FlagSpec>): string {
  const lines = Object.entries(spec).map(([k, v]) => {
    const def = v.type === 'duration' ? `${v.default / 1000}s` : JSON.stringify(v.default);
    return `  --${k} (${v.type}, default ${def})\n      ${v.help}`;
  });
  return `usage: ${command} [flags]\n${lines.join('\n')}`;
}

/**
 * Parses flags for a component entry point: prints usage on --help (exit 0) and the error plus a hint
 * on bad flags (exit 2).
 */
export function parseFlagsOrExit<S extends Record<string, FlagSpec>>(
  command: string,
  argv: readonly string[],
  spec: S,
  validate?: (v: FlagValues<S>) => void,
): FlagValues<S> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage(command, spec)}\n`);
    process.exit(0);
  }
  try {
    const v = parseFlags(argv, spec);
    validate?.(v);
    return v;
  } catch (e) {
    process.stderr.write(`${command}: ${(e as Error).message}\n(run ${command} --help for all flags)\n`);
    process.exit(2);
  }
}
