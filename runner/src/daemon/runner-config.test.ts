import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { readRunnerConfig } from './runner-config.js';

describe('runner config', () => {
  it('takes flags over the environment and fills in the defaults', () => {
    const read = readRunnerConfig(
      { hub: 'http://hub:4040', slots: '3' },
      { FLOE_HUB_URL: 'http://other', FLOE_RUNNER_TAGS: 'linux, gpu', FLOE_RUNNER_WORK_DIR: '/srv/floe' },
    );
    expect(read).toMatchObject({
      ok: true,
      config: {
        hub: 'http://hub:4040',
        slots: 3,
        tags: ['linux', 'gpu'],
        workDir: '/srv/floe',
        credentialPath: '/srv/floe/credential.json',
        killGrace: 10_000,
        batch: 50,
        batchBytes: 1024 * 1024,
      },
    });
  });

  it('reads the log format from the flag or FLOE_RUNNER_LOG_FORMAT, absent by default, and refuses another', () => {
    const base = { hub: 'http://hub:4040', token: 't' };
    expect(readRunnerConfig(base, {})).toMatchObject({ ok: true, config: { logFormat: undefined } });
    expect(readRunnerConfig({ ...base, logFormat: 'json' }, { FLOE_RUNNER_LOG_FORMAT: 'pretty' })).toMatchObject({
      config: { logFormat: 'json' },
    });
    expect(readRunnerConfig(base, { FLOE_RUNNER_LOG_FORMAT: 'pretty' })).toMatchObject({
      config: { logFormat: 'pretty' },
    });
    expect(readRunnerConfig({ ...base, logFormat: 'xml' }, {})).toMatchObject({
      ok: false,
      message: expect.stringContaining('logFormat'),
    });
  });

  it('reads durations and a credential file of its own', () => {
    const read = readRunnerConfig(
      { killGrace: '1m', config: '/etc/floe/cred.json' },
      { FLOE_RUNNER_BACKOFF_MAX: '2s' },
    );
    expect(read).toMatchObject({
      ok: true,
      config: { killGrace: 60_000, backoffMax: 2_000, credentialPath: '/etc/floe/cred.json' },
    });
  });

  it('reads the registration token from a token file, flag or environment, and never with --token too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, '  floe_reg_abc123  \nnot this line\n', { mode: 0o600 });
    expect(readRunnerConfig({ tokenFile: file }, {})).toMatchObject({ ok: true, config: { token: 'floe_reg_abc123' } });
    expect(readRunnerConfig({}, { FLOE_RUNNER_TOKEN_FILE: file })).toMatchObject({
      ok: true,
      config: { token: 'floe_reg_abc123' },
    });
    expect(readRunnerConfig({ tokenFile: file, token: 't' }, {})).toEqual({
      ok: false,
      message: 'token-file: give the token or a token file, not both',
    });
    expect(readRunnerConfig({ tokenFile: join(dir, 'missing') }, {})).toEqual({
      ok: false,
      message: `token-file: cannot read ${join(dir, 'missing')} (ENOENT)`,
    });
    writeFileSync(join(dir, 'empty'), '\n');
    expect(readRunnerConfig({ tokenFile: join(dir, 'empty') }, {})).toEqual({
      ok: false,
      message: `token-file: ${join(dir, 'empty')} holds no token`,
    });
  });

  it('sandboxes by default as floe-task, and reads --sandbox-bind paths from flags or a comma-separated variable', () => {
    expect(readRunnerConfig({}, {})).toMatchObject({
      ok: true,
      config: { sandbox: 'auto', taskUser: 'floe-task', sandboxBind: [] },
    });
    expect(
      readRunnerConfig(
        { sandbox: 'on', taskUser: 'ci-task', sandboxBind: ['/var/run/docker.sock', '/srv/cache:ro'] },
        {},
      ),
    ).toMatchObject({
      ok: true,
      config: {
        sandbox: 'on',
        taskUser: 'ci-task',
        sandboxBind: [
          { path: '/var/run/docker.sock', readOnly: false },
          { path: '/srv/cache', readOnly: true },
        ],
      },
    });
    expect(readRunnerConfig({}, { FLOE_RUNNER_SANDBOX_BIND: '/a,/b:ro' })).toMatchObject({
      config: { sandboxBind: [{ path: '/a' }, { path: '/b', readOnly: true }] },
    });
  });

  it('refuses a sandbox bind that is relative or climbs, and an unknown sandbox mode', () => {
    const read = readRunnerConfig({ sandbox: 'maybe', sandboxBind: ['cache', '/srv/../etc'] }, {});
    expect(read.ok).toBe(false);
    const message = read.ok ? '' : read.message;
    expect(message).toContain('sandbox:');
    expect(message).toContain('sandboxBind.0: an absolute path without ..');
    expect(message).toContain('sandboxBind.1: an absolute path without ..');
  });

  it('names every bad setting in one message', () => {
    const read = readRunnerConfig({ hub: 'ftp://x', slots: '0', killGrace: 'soon' }, {});
    expect(read.ok).toBe(false);
    const message = read.ok ? '' : read.message;
    expect(message).toContain('hub:');
    expect(message).toContain('slots:');
    expect(message).toContain('kill-grace');
  });

  it('reads --exit-when-drained and a protocol version within the range this release speaks', () => {
    const read = readRunnerConfig(
      { exitWhenDrained: 'true' },
      { FLOE_RUNNER_MAX_PROTOCOL: String(MIN_PROTOCOL_VERSION) },
    );
    expect(read).toMatchObject({ ok: true, config: { exitWhenDrained: true, maxProtocol: MIN_PROTOCOL_VERSION } });
    expect(readRunnerConfig({}, {})).toMatchObject({ ok: true, config: { exitWhenDrained: false } });
    for (const bad of [String(PROTOCOL_VERSION + 1), String(MIN_PROTOCOL_VERSION - 1), '1.5', 'two']) {
      const refused = readRunnerConfig({}, { FLOE_RUNNER_MAX_PROTOCOL: bad });
      expect(refused.ok, bad).toBe(false);
      expect(refused.ok ? '' : refused.message).toContain('maxProtocol');
    }
  });
});
