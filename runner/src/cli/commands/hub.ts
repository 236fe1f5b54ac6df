// `floe hub`: starts the hub, the `floe-hub` program of github-app/, as its own process (DESIGN §2 "One command":
// started, never imported — runner/ must not depend on github-app/). Its flags are passed through unchanged.
//
// Where `floe-hub` is found, first match wins:
//  1. `node_modules/.bin/floe-hub` in the current directory or one above it — where a package manager puts the
//     bin of a dependency;
//  2. `github-app/dist/main.js` of this workspace, beside this package — `floe` and the hub are built together by
//     `pnpm run build` (`tsc -b`), so a checkout always has it after a build.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand, CliIo } from '../cli-io.js';

const USAGE = `usage: floe hub [--host H] [--port P] [--data-dir D] [--repo [NAME=]PATH|URL …] [--admin-token T] [--public-url URL]

Starts a hub on this machine (the floe-hub program; floe-hub --help lists every option).
  --host H           address to listen on (default 127.0.0.1)
  --port P           port (default 4040)
  --data-dir D       database and admin token (default .floe/hub)
  --repo PATH|URL    a repository whose FLOE.yaml the hub serves (repeatable)
  --admin-token T    the admin API token (default: generated once, kept in the data dir, printed at start)
  --log-format F     json|pretty (default pretty on a terminal, JSON elsewhere)
Stops on Ctrl-C. Exit status: the hub's.`;

export const command: CliCommand = {
  name: 'hub',
  summary: 'start a hub on this machine',
  usage: USAGE,
  run: hubCommand,
};

async function hubCommand(argv: string[], io: CliIo): Promise<number> {
  const cwd = io.cwd;
  const program = findHubProgram(cwd);
  if (program === undefined) {
    io.stderr.write('floe hub: cannot find the floe-hub program; build the workspace first (pnpm run build)\n');
    return 2;
  }
  const child = startHubProgram(program, argv, { cwd, stdio: 'inherit' });
  return waitForwardingSignals([child]).then(([code]) => code ?? 1);
}

/** How to start `floe-hub`: a command and the arguments that come before the hub's own. */
export interface HubProgram {
  command: string;
  args: string[];
}

/** Finds `floe-hub` (see the opening comment); undefined when neither place has it. */
export function findHubProgram(cwd: string): HubProgram | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', 'floe-hub');
    if (existsSync(bin)) return { command: bin, args: [] };
    if (dirname(dir) === dir) break;
  }
  // This file is runner/{src,dist}/cli/commands/hub.{ts,js}: four levels below the workspace root.
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const main = join(root, 'github-app', 'dist', 'main.js');
  return existsSync(main) ? { command: process.execPath, args: [main] } : undefined;
}

/** Starts `floe-hub` with these flags. */
export function startHubProgram(
  program: HubProgram,
  flags: string[],
  options: { cwd: string; stdio: 'inherit' | 'pipe'; env?: NodeJS.ProcessEnv },
): ChildProcess {
  return spawn(program.command, [...program.args, ...flags], {
    cwd: options.cwd,
    stdio: ['ignore', options.stdio, options.stdio],
    env: options.env ?? process.env,
    // Its own process group: Ctrl-C reaches only us, and we forward it once (waitForwardingSignals).
    detached: true,
  });
}

/**
 * Forwards SIGINT, SIGTERM and SIGHUP to the children, once each signal arrives, and resolves with their exit
 * codes once all have exited. The children run in their own process groups (`detached`), so the terminal's
 * Ctrl-C reaches only this process: a runner that got SIGINT twice would take the second as "kill every task now".
 */
export function waitForwardingSignals(children: ChildProcess[]): Promise<(number | null)[]> {
  const forward = (signal: NodeJS.Signals) => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, forward);
  return Promise.all(children.map(exitOf)).finally(() => {
    for (const signal of signals) process.off(signal, forward);
  });
}

/** Resolves with the exit code (128 + signal number when killed by a signal, as shells report it). */
export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
