/** One line per important event on stdout: `<ISO time> <component> <message> key=value ...`. */
export type Logger = (msg: string, fields?: Record<string, unknown>) => void;

export function createLogger(
  component: string,
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
  return (msg, fields) => {
    const kv = fields
      ? Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => ` ${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
          .join('')
      : '';
    write(`${new Date().toISOString()} ${component} ${msg}${kv}\n`);
  };
}

export const silentLogger: Logger = () => {};
