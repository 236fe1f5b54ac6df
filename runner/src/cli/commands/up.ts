// `floe up` (what `pnpm start` runs): a hub and one local runner on this machine, for trying floe and for working
// on it (DESIGN §2 "One command"). The hub listens on 127.0.0.1 with SQLite under .floe/hub and this repository
// registered; the runner works in .floe/runner. Both are child processes — the hub is the `floe-hub` program
// (see hub.ts for how it is found), the runner is this `floe` program's `runner start` — and Ctrl-C stops both.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createFloeClient } from '@floe/shared';
import { LogFormatSchema } from '@floe/shared/node';
import type { CliCommand, CliIo } from '../cli-io.js';
import { exitOf, findHubProgram, startHubProgram, waitForwardingSignals } from './hub.js';

const USAGE = `usage: floe up [--port P] [--name RUNNER] [--slots N] [--tags T,…] [--log-format json|pretty]

Starts a hub on 127.0.0.1 (data in .floe/hub, this repository registered) and one runner on this machine
(work dir .floe/runner), and prints the dashboard URL and the admin token. Ctrl-C stops both.
  --port P        the hub's port (default 4040; 0 = any free port)
  --name RUNNER   the runner's name (default <hostname>-local)
  --slots N       runs the runner executes at once (default 2)
  --tags T,…      the runner's host-tags (default none)
  --log-format F  json|pretty: how the hub and the runner log (default pretty on a terminal, JSON elsewhere)`;

export const command: CliCommand = {
  name: 'up',
  summary: 'start a hub and a local runner on this machine (what pnpm start does)',
  usage: USAGE,
  run: upCommand,
};

/** Where `floe-hub` says where it listens once it does (written by github-app/src/main.ts). */
const HUB_FILE = 'hub.json';

async function upCommand(argv: string[], io: CliIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`floe up: ${message}\n`);
    return 2;
  };
  let values: { port?: string; name?: string; slots?: string; tags?: string; 'log-format'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '4040' },
        name: { type: 'string' },
        slots: { type: 'string', default: '2' },
        tags: { type: 'string' },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const logFormat = values['log-format'];
  if (logFormat !== undefined && !LogFormatSchema.safeParse(logFormat).success)
    return fail(`--log-format: json or pretty, not "${logFormat}"`);
  const logFlags = logFormat === undefined ? [] : ['--log-format', logFormat];
  const cwd = io.cwd;
  const program = findHubProgram(cwd);
  if (program === undefined)
    return fail('cannot find the floe-hub program; build the workspace first (pnpm run build)');
  const dataDir = resolve(cwd, '.floe/hub');
  const workDir = resolve(cwd, '.floe/runner');
  await rm(join(dataDir, HUB_FILE), { force: true });

  const hub = startHubProgram(
    program,
    ['--host', '127.0.0.1', '--port', values.port ?? '4040', '--data-dir', dataDir, '--repo', cwd, ...logFlags],
    { cwd, stdio: 'inherit' },
  );
  const hubExit = exitOf(hub);
  const url = await Promise.race([waitForHubFile(dataDir, hub), hubExit.then(() => undefined)]);
  if (url === undefined) return fail(`the hub stopped before it listened (exit ${hub.exitCode ?? hub.signalCode})`);

  let adminToken: string;
  let registration: string;
  try {
    adminToken = process.env.FLOE_ADMIN_TOKEN || (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    registration = (await createFloeClient({ baseUrl: url, token: adminToken }).createRunnerToken()).token;
  } catch (err) {
    hub.kill('SIGTERM');
    await hubExit;
    return fail(`cannot make a runner registration token: ${(err as Error).message}`);
  }

  const name = values.name ?? `${hostname()}-local`;
  // Nothing secret on a command line (docs/security.md "Command lines"): `ps` shows it to every user of the
  // machine. The registration token goes in the environment, which only the runner's user can read and which the
  // runner keeps from its tasks; the hub reads its admin token from its data dir (or FLOE_ADMIN_TOKEN).
  const runnerArgs = ['runner', 'start', '--hub', url, '--work-dir', workDir, '--name', name];
  runnerArgs.push('--slots', values.slots ?? '2');
  if (values.tags) runnerArgs.push('--tags', values.tags);
  runnerArgs.push(...logFlags);
  const runner = spawn(process.execPath, [floeMain(), ...runnerArgs], {
    cwd,
    env: { ...process.env, FLOE_RUNNER_TOKEN: registration },
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group, like the hub's: Ctrl-C is forwarded to it once (see waitForwardingSignals).
    detached: true,
  });

  io.stdout.write(
    box([
      'floe is up',
      '',
      `dashboard    ${url}`,
      `admin token  ${adminToken}`,
      `runner       ${name} (work dir ${workDir})`,
      `hub data     ${dataDir}`,
      '',
      'Ctrl-C stops the hub and the runner.',
    ]),
  );

  // When one of the two stops on its own, the other has no purpose: stop it too. Not after Ctrl-C: both get the
  // signal forwarded, and a second one tells the runner to kill its tasks at once instead of finishing cleanly.
  let signalled = false;
  const onSignal = () => {
    signalled = true;
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal).once('SIGHUP', onSignal);
  const stopOther = (other: ChildProcess) => () => {
    if (!signalled && other.exitCode === null && other.signalCode === null) other.kill('SIGTERM');
  };
  hub.once('exit', stopOther(runner));
  runner.once('exit', stopOther(hub));
  const codes = await waitForwardingSignals([hub, runner]);
  // Stopped by the signal we forwarded (128 + SIGINT/SIGTERM/SIGHUP) counts as a clean stop.
  return codes.every((code) => code === 0 || code === 130 || code === 143 || code === 129) ? 0 : 1;
}

/** The `floe` entry beside this command (runner/dist/cli/main.js). */
function floeMain(): string {
  return fileURLToPath(new URL('../main.js', import.meta.url));
}

/** Waits for the hub's `hub.json` written by the hub process we started; its URL, or undefined if it exited. */
async function waitForHubFile(dataDir: string, hub: ChildProcess): Promise<string | undefined> {
  while (hub.exitCode === null && hub.signalCode === null) {
    const text = await readFile(join(dataDir, HUB_FILE), 'utf8').catch(() => undefined);
    if (text !== undefined) {
      try {
        const info = JSON.parse(text) as { url?: unknown; pid?: unknown };
        if (info.pid === hub.pid && typeof info.url === 'string') return info.url;
      } catch {
        // Half-written: read it again.
      }
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return undefined;
}

function box(lines: string[]): string {
  const width = Math.max(...lines.map((line) => line.length));
  const bar = '─'.repeat(width + 2);
  return `\n┌${bar}┐\n${lines.map((line) => `│ ${line.padEnd(width)} │`).join('\n')}\n└${bar}┘\n\n`;
}
