// How the hub and the runner print their pino log for a person (CONTRIBUTING.md "Logging"): one line per entry,
// `12:03:04 WARN  cannot reach the hub; retrying hub=… delayMs=800`, and an error's stack below it. JSON lines stay
// the format for everything that is not a terminal (journald, files, log shippers); `--log-format` chooses.
import { z } from 'zod';

/** `--log-format`: `json` (pino's lines) or `pretty` (readableLine); absent: pretty on a terminal, else JSON. */
export const LogFormatSchema = z.enum(['json', 'pretty']);
export type LogFormat = z.infer<typeof LogFormatSchema>;

/** The format to write in: the one asked for, else pretty only when a person reads the stream (a terminal). */
export function chooseLogFormat(asked: LogFormat | undefined, isTTY: boolean | undefined): LogFormat {
  return asked ?? (isTTY ? 'pretty' : 'json');
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
