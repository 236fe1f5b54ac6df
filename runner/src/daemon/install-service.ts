// `floe runner install|uninstall`: the runner as a systemd service. The unit starts `floe runner start`, which
// reads its settings from an env file (mode 0600: it may hold the registration token until the first start).
// `systemctl stop` drains the runner (SIGQUIT, docs/runners.md "Draining a runner"): a reboot or an upgrade lets
// the runs it holds finish instead of cancelling them.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RUNNER_ENV } from './runner-config.js';
import { EXIT_CONFIG } from './runner-daemon.js';

export const UNIT_PATH = '/etc/systemd/system/floe-runner.service';
export const ENV_PATH = '/etc/floe/runner.env';
/** systemd makes it (StateDirectory=floe-runner), owned by the service's user. */
export const SERVICE_WORK_DIR = '/var/lib/floe-runner';
/** How long `systemctl stop` waits for the held runs by default. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 3_600_000;

export interface InstallOptions {
  /** The user the runner and its tasks run as. */
  user: string;
  /** The command line that starts `floe` (e.g. [node, …/runner/dist/cli/main.js]). */
  floe: string[];
  /** Settings for the env file, by RUNNER_ENV key (hub, token, name, tags, slots, workDir, killGrace). */
  settings: Partial<Record<keyof typeof RUNNER_ENV, string>>;
  /** Kill grace in ms, so that systemd waits for the kill ladder on stop; default 10 s. */
  killGraceMs?: number;
  /**
   * How long `systemctl stop` lets the held runs finish before systemd kills what is left (those runs then end
   * lost, or go back to the queue where the flow says requeue-lost); default 1 h.
   */
  drainTimeoutMs?: number;
  /** Write under this directory instead of `/` (tests, image builds). */
  root?: string;
}

/** The unit file's text. */
export function serviceUnit(options: InstallOptions): string {
  // On stop: the held runs' time to finish (the drain), then a few seconds to send the last records.
  const stopSeconds =
    Math.ceil((options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS) / 1000) +
    Math.ceil((options.killGraceMs ?? 10_000) / 1000) +
    20;
  return `# Written by \`floe runner install\`; \`floe runner uninstall\` removes it.
[Unit]
Description=floe runner
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${options.user}
EnvironmentFile=${ENV_PATH}
ExecStart=${options.floe.map(quoteArgument).join(' ')} runner start
StateDirectory=floe-runner
WorkingDirectory=${SERVICE_WORK_DIR}
# Stop drains: SIGQUIT to the runner alone (not to its tasks), which takes no new run, lets the held ones finish,
# sends their last records and exits 0. What is left when TimeoutStopSec runs out is killed, the whole control
# group: no task of a run outlives the service.
KillSignal=SIGQUIT
KillMode=mixed
# The runner puts each task in a cgroup of its own under the service's, which systemd must leave to it.
Delegate=yes
TimeoutStopSec=${stopSeconds}
Restart=on-failure
RestartSec=5
# ${EXIT_CONFIG}: the hub rejected the credential or the configuration is wrong; restarting would not help.
RestartPreventExitStatus=${EXIT_CONFIG}

[Install]
WantedBy=multi-user.target
`;
}

/** The env file's text: one `NAME="value"` line per setting. */
export function serviceEnv(settings: InstallOptions['settings']): string {
  const lines = ['# Settings of the floe runner service (floe runner start reads them).'];
  const withWorkDir = { workDir: SERVICE_WORK_DIR, ...settings };
  for (const [key, name] of Object.entries(RUNNER_ENV)) {
    const value = withWorkDir[key as keyof typeof RUNNER_ENV];
    if (value === undefined) continue;
    if (/[\n\r]/.test(value)) throw new Error(`${key} cannot hold a line break`);
    lines.push(`${name}="${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the unit and the env file (mode 0600); returns the paths written. */
export function installService(options: InstallOptions): string[] {
  const root = options.root ?? '/';
  const unit = join(root, UNIT_PATH);
  const env = join(root, ENV_PATH);
  mkdirSync(dirname(unit), { recursive: true });
  mkdirSync(dirname(env), { recursive: true, mode: 0o755 });
  writeFileSync(env, serviceEnv(options.settings), { mode: 0o600 });
  chmodSync(env, 0o600);
  writeFileSync(unit, serviceUnit(options), { mode: 0o644 });
  return [unit, env];
}

/** Removes the unit and the env file (the work directory, with its workspaces, stays); returns the paths. */
export function uninstallService(root = '/'): string[] {
  const paths = [join(root, UNIT_PATH), join(root, ENV_PATH)];
  for (const path of paths) rmSync(path, { force: true });
  return paths;
}

/** systemd splits ExecStart like a shell would and expands `%` specifiers: quote spaces, double `%`. */
function quoteArgument(argument: string): string {
  const escaped = argument.replace(/%/g, '%%');
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/[\\"]/g, (c) => `\\${c}`)}"` : escaped;
}
