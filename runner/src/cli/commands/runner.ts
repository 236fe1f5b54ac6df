// `floe runner start|token|remove|drain|undrain|install|uninstall` (DESIGN §2 "One command", §5): the runner daemon,
// registration tokens, removing and draining a runner, and the daemon as a systemd service.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from '@floe/shared';
import { causeOf } from '../../connection/register-runner.js';
import { createRunnerLogger } from '../../daemon/create-runner-logger.js';
import { ENV_PATH, installService, UNIT_PATH, uninstallService } from '../../daemon/install-service.js';
import { readRunnerConfig } from '../../daemon/runner-config.js';
import { EXIT_CONFIG, startRunnerDaemon } from '../../daemon/runner-daemon.js';
import { lookUpUser } from '../../process/task-sandbox.js';
import type { CliCommand, CliIo } from '../cli-io.js';
import { callHub, HUB_API_OPTIONS, hubClient, parseDuration } from '../hub-api-command.js';

const USAGE = `usage: floe runner <start|token|remove|drain|undrain|install|uninstall> [options]

  floe runner start [--hub URL] [--token-file PATH | --token TOKEN] [--name N] [--tags a,b] [--slots N]
                    [--work-dir D] [--config FILE] [--kill-grace 10s] [--spool-reserve-mb 16] [--once]
                    [--cache-max-mb 2048] [--exit-when-drained] [--sandbox auto|on|off] [--task-user U]
                    [--sandbox-bind PATH[:ro]]… [--log-format json|pretty]
      Runs the runner daemon: connects to the hub and executes the runs it is given. The first start
      exchanges the one-time TOKEN for the runner's credential, kept in FILE (default
      <work-dir>/credential.json, mode 0600); later starts need neither a token nor --hub.
      Prefer --token-file PATH (the token on its first line) or FLOE_RUNNER_TOKEN to --token: a
      command line shows in \`ps\` to every user of the machine.
      Settings also come from FLOE_HUB_URL, FLOE_RUNNER_TOKEN, FLOE_RUNNER_TOKEN_FILE, FLOE_RUNNER_NAME,
      FLOE_RUNNER_TAGS, FLOE_RUNNER_SLOTS, FLOE_RUNNER_WORK_DIR, FLOE_RUNNER_CONFIG, FLOE_RUNNER_KILL_GRACE,
      FLOE_RUNNER_SPOOL_RESERVE_MB, FLOE_RUNNER_CACHE_MAX_MB.
      Defaults: name = host name, no tags, 1 slot, work dir ~/.floe/runner, kill grace 10s.
      --spool-reserve-mb keeps that much of the work dir's disk for the records of the runs held: when
      the disk fills up they still fit, and new runs are declined, saying why, until there is room.
      --cache-max-mb caps the task caches (\`cache:\`) kept in <work-dir>/cache/tasks; the least recently
      used go first (0: keep none).
      --once takes one run and exits when it is done (an ephemeral runner; FLOE_RUNNER_ONCE=1).
      Drained by an operator (floe runner drain), the runner takes no new run and finishes what it holds,
      then idles until undrained, or exits 0 with --exit-when-drained (FLOE_RUNNER_EXIT_WHEN_DRAINED=1).
      Tasks run in a bubblewrap sandbox, as --task-user (default floe-task) when the runner is root
      (--sandbox auto, the default: where the machine allows it; on: refuse to start without; off: never;
      FLOE_RUNNER_SANDBOX, FLOE_RUNNER_TASK_USER). --sandbox-bind makes a path of the machine reachable to
      every task, writable or with :ro read-only (repeatable; FLOE_RUNNER_SANDBOX_BIND, comma-separated).
      A runner without a sandbox says why at start and is offered no untrusted runs.
      Logs go to stderr: readable lines on a terminal, JSON lines elsewhere; --log-format json|pretty
      chooses (FLOE_RUNNER_LOG_FORMAT).
      Ctrl-C or SIGTERM cancels the running runs and exits; SIGQUIT drains: no new runs, exit 0 when the
      running ones are done (a SIGTERM then cancels them, a second kills at once). The service that
      \`floe runner install\` writes stops the runner with SIGQUIT.
      Exit: 0 stopped, ${EXIT_CONFIG} credential or token rejected or bad settings, 1 failure.

  floe runner token --hub URL --admin-token T
      Makes a one-time registration token (POST /api/runners/tokens) and prints it.
      FLOE_HUB_URL and FLOE_ADMIN_TOKEN stand in for the flags.

  floe runner remove NAME [--hub URL] [--token-file PATH | --token T]
      Removes a runner (admin; DELETE /api/runners/:name): its socket is closed, its credential refused from then
      on (the daemon exits), its active runs end lost, or go back to the queue where the flow says requeue-lost.
      --hub defaults to $FLOE_HUB_URL, --token to $FLOE_TOKEN; --token-file PATH ($FLOE_TOKEN_FILE) reads it from a file.

  floe runner drain NAME [--hub URL] [--token-file PATH | --token T]
  floe runner undrain NAME [--hub URL] [--token-file PATH | --token T]
      Drains a runner (operator; POST /api/runners/:name/drain): every hub stops offering it runs at once, it
      finishes the runs it holds, then idles (or exits, started with --exit-when-drained). The drain is stored:
      it holds across hub restarts and runner reconnects until \`floe runner undrain NAME\`.

  floe runner install [--user U] [--hub URL --token-file PATH|--token T --name N --tags a,b --slots N --kill-grace 10s]
                      [--exit-when-drained] [--drain-timeout 1h] [--task-user U] [--sandbox-bind PATH[:ro]]…
                      [--root DIR]
      Makes the task user (default floe-task) when it is missing and says whether bubblewrap is
      installed, writes ${UNIT_PATH} and ${ENV_PATH} (mode 0600), then runs
      \`systemctl daemon-reload\` and \`systemctl enable --now floe-runner\` (as root). With --root, writes
      under DIR instead and prints the systemctl commands. --user defaults to the user running install
      (or SUDO_USER). \`systemctl stop floe-runner\` drains the runner (SIGQUIT): its runs finish, then it
      exits; what still runs after --drain-timeout (default 1h) is killed and ends lost.

  floe runner uninstall [--root DIR]
      Stops and disables the service, removes the unit and the env file (the work dir stays).`;

export const command: CliCommand = {
  name: 'runner',
  summary: 'the runner daemon: start it, make a registration token, remove or drain one, install it as a service',
  usage: USAGE,
  run: runnerCommand,
};

async function runnerCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'start':
        return await start(rest, io);
      case 'token':
        return await token(rest, io);
      case 'remove':
        return await remove(rest, io);
      case 'drain':
        return await drain(rest, io, true);
      case 'undrain':
        return await drain(rest, io, false);
      case 'install':
        return install(rest, io);
      case 'uninstall':
        return uninstall(rest, io);
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        io.stderr.write(`floe runner: ${sub ? `unknown subcommand \`${sub}\`` : 'no subcommand given'}\n\n${USAGE}\n`);
        return 2;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`floe runner ${sub}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

class UsageError extends Error {}

function parse<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true })
      .values as {
      [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : T[K]['multiple'] extends true ? string[] : string;
    } & { help?: boolean };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const DAEMON_FLAGS = {
  hub: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  name: { type: 'string' },
  tags: { type: 'string' },
  slots: { type: 'string' },
  'work-dir': { type: 'string' },
  config: { type: 'string' },
  'kill-grace': { type: 'string' },
  'spool-reserve-mb': { type: 'string' },
  'cache-max-mb': { type: 'string' },
  once: { type: 'boolean' },
  'exit-when-drained': { type: 'boolean' },
  sandbox: { type: 'string' },
  'task-user': { type: 'string' },
  'sandbox-bind': { type: 'string', multiple: true },
  'log-format': { type: 'string' },
} as const;

async function start(argv: string[], io: CliIo): Promise<number> {
  const flags = parse(argv, DAEMON_FLAGS);
  if (flags.help) return help(io);
  const read = readRunnerConfig(
    {
      hub: flags.hub,
      token: flags.token,
      tokenFile: flags['token-file'],
      name: flags.name,
      tags: flags.tags,
      slots: flags.slots,
      workDir: flags['work-dir'],
      config: flags.config,
      killGrace: flags['kill-grace'],
      spoolReserveMb: flags['spool-reserve-mb'],
      cacheMaxMb: flags['cache-max-mb'],
      once: flags.once ? 'true' : undefined,
      exitWhenDrained: flags['exit-when-drained'] ? 'true' : undefined,
      sandbox: flags.sandbox,
      taskUser: flags['task-user'],
      sandboxBind: flags['sandbox-bind'],
      logFormat: flags['log-format'],
    },
    process.env,
  );
  if (!read.ok) {
    io.stderr.write(`floe runner start: ${read.message.replace(/\n/g, '\n  ')}\n`);
    return EXIT_CONFIG;
  }
  const logger = createRunnerLogger(io.stderr, {
    ...(read.config.logFormat !== undefined ? { format: read.config.logFormat } : {}),
  });
  const daemon = startRunnerDaemon({ config: read.config, logger, once: read.config.once });
  const onSignal = () => daemon.stop();
  const onQuit = () => daemon.drain();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGQUIT', onQuit);
  try {
    return await daemon.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGQUIT', onQuit);
  }
}

async function token(argv: string[], io: CliIo): Promise<number> {
  const flags = parse(argv, { hub: { type: 'string' }, 'admin-token': { type: 'string' } });
  if (flags.help) return help(io);
  const hub = flags.hub ?? process.env.FLOE_HUB_URL;
  const admin = flags['admin-token'] ?? process.env.FLOE_ADMIN_TOKEN;
  if (!hub || !admin) throw new UsageError('needs --hub URL and --admin-token T');
  let response: Response;
  try {
    response = await fetch(new URL('/api/runners/tokens', hub), {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    io.stderr.write(`floe runner token: cannot reach ${hub}: ${causeOf(err)}\n`);
    return 1;
  }
  const body: unknown = await response.json().catch(() => undefined);
  const answer = z.object({ token: z.string() }).safeParse(body);
  if (!response.ok || !answer.success) {
    const said = z.object({ message: z.string() }).safeParse(body);
    io.stderr.write(
      `floe runner token: the hub answered ${response.status}${said.success ? `: ${said.data.message}` : ''}\n`,
    );
    return 1;
  }
  io.stdout.write(`${answer.data.token}\n`);
  return 0;
}

async function remove(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...HUB_API_OPTIONS, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return help(io);
  const [name] = positionals;
  if (!name) throw new UsageError('needs the NAME of a runner (floe runner remove NAME)');
  const client = hubClient(values, io);
  if (typeof client === 'string') throw new UsageError(client);
  return callHub('runner remove', io, async () => {
    await client.deleteRunner(name);
    io.stdout.write(`runner ${name} removed\n`);
  });
}

async function drain(argv: string[], io: CliIo, drained: boolean): Promise<number> {
  const verb = drained ? 'drain' : 'undrain';
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...HUB_API_OPTIONS, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return help(io);
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new UsageError(`needs the NAME of one runner (floe runner ${verb} NAME)`);
  const client = hubClient(values, io);
  if (typeof client === 'string') throw new UsageError(client);
  return callHub(`runner ${verb}`, io, async () => {
    const runner = drained ? await client.drainRunner(name) : await client.undrainRunner(name);
    const held = runner.runs.length;
    io.stdout.write(
      drained
        ? `runner ${name} drained: offered no new run; ${held === 0 ? 'it holds none' : `finishing the ${held} it holds`}\n`
        : `runner ${name} undrained: offered runs again\n`,
    );
  });
}

function install(argv: string[], io: CliIo): number {
  const flags = parse(argv, {
    ...DAEMON_FLAGS,
    user: { type: 'string' },
    root: { type: 'string' },
    'drain-timeout': { type: 'string' },
  });
  if (flags.help) return help(io);
  if (flags.config || flags['work-dir'])
    throw new UsageError('the service keeps its credential in its own work dir; --config and --work-dir do not apply');
  // Check the settings the way `start` will read them, so that a typo fails now and not at boot.
  const read = readRunnerConfig(
    {
      hub: flags.hub,
      token: flags.token,
      tokenFile: flags['token-file'],
      name: flags.name,
      tags: flags.tags,
      slots: flags.slots,
      killGrace: flags['kill-grace'],
      taskUser: flags['task-user'],
      sandboxBind: flags['sandbox-bind'],
    },
    {},
  );
  if (!read.ok) throw new UsageError(read.message);
  const drainTimeoutMs = flags['drain-timeout'] === undefined ? undefined : parseDuration(flags['drain-timeout']);
  if (drainTimeoutMs === 0 || (flags['drain-timeout'] !== undefined && drainTimeoutMs === undefined))
    throw new UsageError(`--drain-timeout: ${flags['drain-timeout']} is not a duration such as 30m, 2h or 1d`);
  const taskUser = read.config.taskUser;
  if (!lookUpUser(taskUser)) {
    // The user tasks run as (process/task-sandbox.ts): no home, no shell, a group of its own.
    const useradd = ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent'];
    useradd.push('--shell', '/usr/sbin/nologin', taskUser);
    if (flags.root !== undefined) io.stdout.write(`to run: useradd ${useradd.join(' ')}\n`);
    else {
      try {
        execFileSync('useradd', useradd, { stdio: 'inherit' });
        io.stdout.write(`made the task user ${taskUser}\n`);
      } catch (err) {
        io.stderr.write(`floe runner install: cannot make the task user ${taskUser}: ${(err as Error).message}\n`);
        return 1;
      }
    }
  }
  if (!onPath('bwrap'))
    io.stdout.write('bubblewrap is missing: tasks will not be sandboxed (apt-get install bubblewrap)\n');
  const user = flags.user ?? process.env.SUDO_USER ?? userInfo().username;
  const settings = {
    hub: flags.hub,
    // The token itself, read from --token-file now: the env file is the service's (mode 0600), the file may not
    // be readable by the service's user.
    token: read.config.token,
    name: flags.name,
    tags: flags.tags,
    slots: flags.slots,
    killGrace: flags['kill-grace'],
    exitWhenDrained: flags['exit-when-drained'] ? 'true' : undefined,
    taskUser: flags['task-user'],
    sandboxBind: flags['sandbox-bind']?.join(','),
  };
  const written = installService({
    user,
    floe: [process.execPath, fileURLToPath(new URL('../main.js', import.meta.url))],
    settings: Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)),
    killGraceMs: read.config.killGrace,
    ...(drainTimeoutMs !== undefined ? { drainTimeoutMs } : {}),
    root: flags.root,
  });
  for (const path of written) io.stdout.write(`wrote ${path}\n`);
  return systemctl(io, flags.root, [['daemon-reload'], ['enable', '--now', 'floe-runner.service']]);
}

function uninstall(argv: string[], io: CliIo): number {
  const flags = parse(argv, { root: { type: 'string' } });
  if (flags.help) return help(io);
  let status = systemctl(io, flags.root, [['disable', '--now', 'floe-runner.service']], true);
  for (const path of uninstallService(flags.root)) io.stdout.write(`removed ${path}\n`);
  status = Math.max(status, systemctl(io, flags.root, [['daemon-reload']]));
  return status;
}

/** Runs systemctl (only for a real install, not under --root, where it prints what to run instead). */
function systemctl(io: CliIo, root: string | undefined, commands: string[][], tolerant = false): number {
  for (const args of commands) {
    if (root !== undefined) {
      io.stdout.write(`to run: systemctl ${args.join(' ')}\n`);
      continue;
    }
    try {
      execFileSync('systemctl', args, { stdio: 'inherit' });
    } catch (err) {
      if (tolerant) continue;
      io.stderr.write(`floe runner: systemctl ${args.join(' ')} failed: ${(err as Error).message}\n`);
      return 1;
    }
  }
  return 0;
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((dir) => existsSync(`${dir}/${program}`));
}

function help(io: CliIo): number {
  io.stdout.write(`${USAGE}\n`);
  return 0;
}
