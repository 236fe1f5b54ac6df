// What the `floe` commands that call the hub's API share (secrets, token, audit, runner remove, drain, undrain): where the hub is,
// which token to send, and how a refusal is told — the hub's own message, exit status 1.
//
// One environment convention for every floe command (README.md "One environment for every floe command"): `--hub` is FLOE_HUB_URL, an API
// token is `--token` / FLOE_TOKEN or, kept out of process listings, `--token-file` / FLOE_TOKEN_FILE.
import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { createFloeClient, type FloeClient } from '@floe/shared';
import type { CliIo } from './cli-io.js';

/** The parseArgs options every hub API command takes. */
export const HUB_API_OPTIONS = {
  hub: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
} as const;

type CommandOptions = NonNullable<ParseArgsConfig['options']>;
type CommandConfig<O extends CommandOptions> = {
  args: string[];
  allowPositionals: true;
  options: typeof HUB_API_OPTIONS & { help: { type: 'boolean'; short: 'h' } } & O;
};

/**
 * How every hub API command starts: `argv` parsed with HUB_API_OPTIONS, `--help` and the command's own `options`.
 * Resolves to the parsed arguments and `usage(problem)`, which prints the problem and the usage on stderr and gives
 * exit status 2; or, after `--help` (the usage on stdout) or arguments that do not parse, to the exit status.
 */
export function parseHubCommand<O extends CommandOptions>(
  name: string,
  usageText: string,
  argv: string[],
  io: CliIo,
  options: O,
): { parsed: ReturnType<typeof parseArgs<CommandConfig<O>>>; usage: (problem: string) => number } | number {
  const usage = (problem: string) => {
    io.stderr.write(`floe ${name}: ${problem}\n\n${usageText}\n`);
    return 2;
  };
  let parsed: ReturnType<typeof parseArgs<CommandConfig<O>>>;
  try {
    parsed = parseArgs<CommandConfig<O>>({
      args: argv,
      allowPositionals: true,
      options: { ...HUB_API_OPTIONS, help: { type: 'boolean', short: 'h' }, ...options },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(`${usageText}\n`);
    return 0;
  }
  return { parsed, usage };
}

/** The usage lines of HUB_API_OPTIONS; `role` says which token the command needs. */
export function hubApiUsage(role: string): string {
  return `  --hub URL          the hub (default $FLOE_HUB_URL)
  --token T          ${role} (default $FLOE_TOKEN)
  --token-file PATH  read the token from the file's first line instead (default $FLOE_TOKEN_FILE)`;
}

/** Names of 0.x kept working: old name → the name to use now. */
const DEPRECATED_ENV = { FLOE_HUB: 'FLOE_HUB_URL' } as const;

type HubApiValues = { hub?: string | undefined; token?: string | undefined; 'token-file'?: string | undefined };

/** The client for HUB_API_OPTIONS and their environment; a sentence saying what to do when one is missing. */
export function hubClient(values: HubApiValues, io: CliIo, env: NodeJS.ProcessEnv = process.env): FloeClient | string {
  const hub = values.hub ?? env.FLOE_HUB_URL ?? deprecated(env, 'FLOE_HUB', io);
  if (!hub) return 'no hub: pass --hub URL or set FLOE_HUB_URL';
  let token = values.token;
  const file =
    token === undefined ? (values['token-file'] ?? (env.FLOE_TOKEN ? undefined : env.FLOE_TOKEN_FILE)) : undefined;
  if (file !== undefined) {
    try {
      token = readFileSync(file, 'utf8').split(/\r?\n/, 1)[0]?.trim();
    } catch (err) {
      return `cannot read the token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
    if (!token) return `the token file ${file} is empty; put the token on its first line`;
  }
  token ??= env.FLOE_TOKEN;
  if (!token) return 'no API token: pass --token-file PATH or --token T, or set FLOE_TOKEN_FILE or FLOE_TOKEN';
  return createFloeClient({ baseUrl: hub, token });
}

function deprecated(env: NodeJS.ProcessEnv, name: keyof typeof DEPRECATED_ENV, io: CliIo): string | undefined {
  const value = env[name];
  if (value) io.stderr.write(`floe: ${name} is deprecated and will be removed; set ${DEPRECATED_ENV[name]} instead\n`);
  return value || undefined;
}

/** Runs `work`; a FloeApiError or a network failure is printed as `floe <name>: <message>` and gives status 1. */
export async function callHub(name: string, io: CliIo, work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (err) {
    io.stderr.write(`floe ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

/** A time for a table: ISO 8601 to the second, or `-`. */
export function timeText(at: number | undefined): string {
  return at === undefined ? '-' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parses a duration such as `90d`, `12h`, `30m`, `45s` into milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
