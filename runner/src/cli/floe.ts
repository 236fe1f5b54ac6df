#!/usr/bin/env -S node --max-semi-space-size=1 --v8-pool-size=1
// The `floe` command (DESIGN §2 "One command"): `floe <command> [args…]`. Each command lives in
// ./commands/<name>.ts and exports `command: CliCommand`; it is loaded only when it runs (or for --help).
import { didYouMean } from '@floe/shared';
import { type CliCommand, type CliIo, processIo } from './cli-io.js';

/** Add a command here: one line, `name: () => import('./commands/<name>.js'),` (in the order --help lists them). */
const COMMANDS: Record<string, () => Promise<{ command: CliCommand }>> = {
  lint: () => import('./commands/lint.js'),
  migrate: () => import('./commands/migrate.js'),
  run: () => import('./commands/run.js'),
  runner: () => import('./commands/runner.js'),
  hub: () => import('./commands/hub.js'),
  up: () => import('./commands/up.js'),
  secrets: () => import('./commands/secrets.js'),
  token: () => import('./commands/token.js'),
  audit: () => import('./commands/audit.js'),
  artifacts: () => import('./commands/artifacts.js'),
};

const USAGE_HEAD = 'usage: floe <command> [arguments]';

async function usage(): Promise<string> {
  const names = Object.keys(COMMANDS);
  const summaries = await Promise.all(
    Object.values(COMMANDS).map((load) =>
      load().then(
        ({ command }) => command.summary,
        (error: Error) => `(cannot load: ${error.message})`,
      ),
    ),
  );
  const width = Math.max(...names.map((name) => name.length));
  return [
    USAGE_HEAD,
    '',
    'commands:',
    ...names.map((name, index) => `  ${name.padEnd(width)}  ${summaries[index]}`),
    '',
    'Run `floe <command> --help` for the arguments of a command.',
  ].join('\n');
}

async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${await usage()}\n`);
    return 0;
  }
  const load = name === undefined ? undefined : COMMANDS[name];
  if (!load || !Object.hasOwn(COMMANDS, name as string)) {
    const guess = name === undefined ? undefined : didYouMean(name, Object.keys(COMMANDS));
    const problem =
      name === undefined
        ? 'no command given'
        : `unknown command \`${name}\`${guess ? `; did you mean \`${guess}\`?` : ''}`;
    io.stderr.write(`floe: ${problem}\n\n${await usage()}\n`);
    return 2;
  }
  const { command } = await load();
  return command.run(rest, io);
}

try {
  process.exitCode = await main(process.argv.slice(2), processIo());
} catch (error) {
  // Commands report what a person did wrong as values; this is a bug, so keep its stack.
  process.stderr.write(`floe: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
