// The hub process's one pino logger (CONTRIBUTING.md "Logging"): JSON lines for journald and log shippers, or on a
// terminal the readable lines the runner prints too (`readableLine` of @floe/shared/node) — `floe hub` and
// `floe up` run the hub on the person's terminal. `--log-format` overrides the choice. Tokens are redacted.
import { chooseLogFormat, type LogFormat, readableLine } from '@floe/shared/node';
import pino, { type Logger } from 'pino';

/** Where the hub logs: a stream, and whether a person is reading it. */
export interface HubLogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export function createHubLogger(
  output: HubLogOutput,
  options: { level: string; format?: LogFormat | undefined },
): Logger {
  const format = chooseLogFormat(options.format, output.isTTY);
  return pino(
    {
      level: options.level,
      // Which program wrote a line matters where lines of several meet (a log shipper); on a terminal it is noise.
      base: format === 'json' ? { app: 'floe-hub' } : undefined,
      redact: ['req.headers.authorization', '*.token', '*.credential', '*.adminToken'],
    },
    {
      write:
        format === 'json' ? (line: string) => output.write(line) : (line: string) => output.write(readableLine(line)),
    },
  );
}
