/** One line per important event on stdout: `<ISO time> <component> <message> key=value ...`. */
export type Logger = (msg: string, fields?: Record<string, unknown>) => void;

/** A Logger over a function that takes one message: fields become ` key=value` after it. */
export function messageLogger(write: (msg: string) => void): Logger {
  return (msg, fields) => {
    const kv = fields
      ? Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => ` ${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
          .join('')
      : '';
    write(`${msg}${kv}`);
  };
}

export function createLogger(
  component: string,
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
  return messageLogger((m) => write(`${new Date().toISOString()} ${component} ${m}\n`));
}

export const silentLogger: Logger = () => {};
