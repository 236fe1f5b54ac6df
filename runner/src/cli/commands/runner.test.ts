import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../cli-io.js';
import { command } from './runner.js';

let root: string;
let out: string;
let err: string;

function io(): CliIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return { stdin: new PassThrough(), stdout, stderr, cwd: root, color: false };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'floe-install-'));
  out = '';
  err = '';
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('floe runner install / uninstall', () => {
  it('writes the systemd unit and a 0600 env file under --root, and prints the systemctl commands', async () => {
    const code = await command.run(
      [
        'install',
        '--root',
        root,
        '--user',
        'ci',
        '--hub',
        'https://hub.example',
        '--token',
        'floe_reg_secret',
        '--name',
        'vm 1',
        '--tags',
        'linux,gpu',
        '--slots',
        '2',
        '--kill-grace',
        '30s',
        '--exit-when-drained',
        '--drain-timeout',
        '2h',
      ],
      io(),
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const unit = readFileSync(join(root, 'etc/systemd/system/floe-runner.service'), 'utf8');
    for (const line of [
      'User=ci',
      // Stop drains: SIGQUIT to the runner only (its tasks keep running), the final kill to the whole group.
      'KillSignal=SIGQUIT',
      'KillMode=mixed',
      'Delegate=yes',
      'Restart=on-failure',
      'RestartSec=5',
      'RestartPreventExitStatus=78',
      'After=network-online.target',
      'EnvironmentFile=/etc/floe/runner.env',
      'StateDirectory=floe-runner',
    ])
      expect(unit).toContain(`${line}\n`);
    expect(unit).not.toContain('KillMode=control-group');
    // systemd waits the drain timeout and the kill grace for the runs to end and their last records to go.
    expect(Number(/TimeoutStopSec=(\d+)/.exec(unit)?.[1])).toBeGreaterThanOrEqual(2 * 3600 + 30);
    expect(unit).toMatch(/ExecStart=\S*node\S* \S+\/cli\/main\.js runner start\n/);

    const envPath = join(root, 'etc/floe/runner.env');
    expect(statSync(envPath).mode & 0o777).toBe(0o600);
    const env = readFileSync(envPath, 'utf8');
    expect(env).toContain('FLOE_HUB_URL="https://hub.example"\n');
    expect(env).toContain('FLOE_RUNNER_TOKEN="floe_reg_secret"\n');
    expect(env).toContain('FLOE_RUNNER_NAME="vm 1"\n');
    expect(env).toContain('FLOE_RUNNER_TAGS="linux,gpu"\n');
    expect(env).toContain('FLOE_RUNNER_SLOTS="2"\n');
    expect(env).toContain('FLOE_RUNNER_KILL_GRACE="30s"\n');
    expect(env).toContain('FLOE_RUNNER_EXIT_WHEN_DRAINED="true"\n');
    expect(env).toContain('FLOE_RUNNER_WORK_DIR="/var/lib/floe-runner"\n');
    expect(out).toContain('to run: systemctl daemon-reload\n');
    expect(out).toContain('to run: systemctl enable --now floe-runner.service\n');

    out = '';
    expect(await command.run(['uninstall', '--root', root], io())).toBe(0);
    expect(existsSync(join(root, 'etc/systemd/system/floe-runner.service'))).toBe(false);
    expect(existsSync(envPath)).toBe(false);
    expect(out).toContain('to run: systemctl disable --now floe-runner.service\n');
  });

  it('names the task user to make, and writes the sandbox settings to the env file', async () => {
    const code = await command.run(
      [
        'install',
        '--root',
        root,
        '--user',
        'root',
        '--task-user',
        'floe-no-such-user',
        '--sandbox-bind',
        '/var/run/docker.sock',
        '--sandbox-bind',
        '/srv/cache:ro',
      ],
      io(),
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(
      'to run: useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin floe-no-such-user',
    );
    const env = readFileSync(join(root, 'etc/floe/runner.env'), 'utf8');
    expect(env).toContain('FLOE_RUNNER_TASK_USER="floe-no-such-user"');
    expect(env).toContain('FLOE_RUNNER_SANDBOX_BIND="/var/run/docker.sock,/srv/cache:ro"');
    expect(readFileSync(join(root, 'etc/systemd/system/floe-runner.service'), 'utf8')).toContain('Delegate=yes');
  });

  it('drains for an hour by default, and refuses a drain timeout that is not a duration', async () => {
    expect(await command.run(['install', '--root', root], io())).toBe(0);
    const unit = readFileSync(join(root, 'etc/systemd/system/floe-runner.service'), 'utf8');
    expect(Number(/TimeoutStopSec=(\d+)/.exec(unit)?.[1])).toBe(3600 + 10 + 20);
    rmSync(join(root, 'etc'), { recursive: true });
    for (const bad of ['forever', '0s', '-1h', '1h; rm -rf /']) {
      err = '';
      expect(await command.run(['install', '--root', root, '--drain-timeout', bad], io())).toBe(2);
      expect(err).toContain('--drain-timeout');
    }
    expect(existsSync(join(root, 'etc'))).toBe(false);
  });

  it('refuses settings that `start` would refuse, before writing anything', async () => {
    const code = await command.run(['install', '--root', root, '--hub', 'ftp://nope', '--slots', 'many'], io());
    expect(code).toBe(2);
    expect(err).toMatch(/hub/);
    expect(err).toMatch(/slots/);
    expect(existsSync(join(root, 'etc'))).toBe(false);
  });
});

describe('floe runner', () => {
  it('names a missing or unknown subcommand', async () => {
    expect(await command.run([], io())).toBe(2);
    expect(await command.run(['strat'], io())).toBe(2);
    expect(err).toContain('unknown subcommand `strat`');
  });

  it('exits 78 on settings it cannot use, saying which', async () => {
    expect(await command.run(['start', '--hub', 'not a url', '--work-dir', root], io())).toBe(78);
    expect(err).toContain('hub:');
  });

  it('exits 78 without a credential or a token, saying how to get one', async () => {
    const code = await command.run(['start', '--hub', 'http://127.0.0.1:9', '--work-dir', root], io());
    expect(code).toBe(78);
    expect(err).toContain('floe runner token');
  });
});
