import pino, { type Logger } from 'pino';

/** Where the daemon logs: a stream, and whether a person is reading it (a terminal). */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * The daemon's root logger (CONTRIBUTING.md "Logging"): pino JSON lines, or on a terminal one readable line per entry
 * (`12:03:04 WARN cannot reach the hub; retrying hub=… delayMs=800`). Credentials and tokens are redacted.
 */
export function createRunnerLogger(output: LogOutput, level = 'info'): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: ['credential', 'token', '*.credential', '*.token'], censor: '[redacted]' },
  };
  if (!output.isTTY) return pino(options, { write: (line: string) => output.write(line) });
  return pino(options, { write: (line: string) => output.write(readableLine(line)) });
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One pino JSON line as a person reads it: time, level, message, then the fields as key=value. */
export function readableLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, err, ...fields } = entry;
  const clock = new Date(typeof time === 'number' ? time : Date.now()).toTimeString().slice(0, 8);
  const parts = [clock, (LEVELS[level as number] ?? String(level)).padEnd(5), String(msg ?? '')];
  for (const [key, value] of Object.entries(fields))
    parts.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const stack = err && typeof err === 'object' && 'stack' in err ? `\n${String(err.stack)}` : '';
  return `${parts.join(' ')}${stack}\n`;
}
