import { chooseLogFormat, type LogFormat, readableLine } from '@floe/shared/node';
import pino, { type Logger } from 'pino';

/** Where the daemon logs: a stream, and whether a person is reading it (a terminal). */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * The daemon's root logger (CONTRIBUTING.md "Logging"): pino JSON lines, or one readable line per entry
 * (`12:03:04 WARN cannot reach the hub; retrying hub=… delayMs=800`) with `format: 'pretty'` — the default on a
 * terminal. Credentials and tokens are redacted.
 */
export function createRunnerLogger(output: LogOutput, options: { level?: string; format?: LogFormat } = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: undefined,
    redact: { paths: ['credential', 'token', '*.credential', '*.token'], censor: '[redacted]' },
  };
  if (chooseLogFormat(options.format, output.isTTY) === 'json')
    return pino(settings, { write: (line: string) => output.write(line) });
  return pino(settings, { write: (line: string) => output.write(readableLine(line)) });
}
