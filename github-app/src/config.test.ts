import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHubConfig } from './config.js';

describe('parseHubConfig', () => {
  it('applies the defaults when nothing is given', () => {
    const outcome = parseHubConfig([], {}, '/work');
    expect(outcome).toMatchObject({
      kind: 'config',
      config: { host: '127.0.0.1', port: 4040, dataDir: '.floe/hub', repos: [], leaseMs: 30_000, heartbeatMs: 10_000 },
    });
    if (outcome.kind === 'config') expect(outcome.config.adminToken).toBeUndefined();
  });

  it('reads the log format (absent: chosen by the terminal) and refuses another', () => {
    expect(parseHubConfig([], {})).toMatchObject({ config: { logFormat: undefined } });
    expect(parseHubConfig(['--log-format', 'json'], { FLOE_LOG_FORMAT: 'pretty' })).toMatchObject({
      config: { logFormat: 'json' },
    });
    expect(parseHubConfig([], { FLOE_LOG_FORMAT: 'pretty' })).toMatchObject({ config: { logFormat: 'pretty' } });
    expect(parseHubConfig(['--log-format', 'xml'], {})).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('--log-format'),
    });
  });

  it('keeps /metrics behind a token unless told to make it public', () => {
    expect(parseHubConfig([], {})).toMatchObject({ config: { metricsPublic: false } });
    expect(parseHubConfig(['--metrics-public'], {})).toMatchObject({ config: { metricsPublic: true } });
    expect(parseHubConfig([], { FLOE_METRICS_PUBLIC: '1' })).toMatchObject({ config: { metricsPublic: true } });
    expect(parseHubConfig([], { FLOE_METRICS_PUBLIC: 'yes' })).toMatchObject({ kind: 'invalid' });
  });

  it('reads the retention limits, with defaults that keep months of history', () => {
    expect(parseHubConfig([], {}, '/work')).toMatchObject({
      config: { keepDays: 90, keepRuns: 2_000, keepAuditDays: 365, logCapMb: 16 },
    });
    expect(parseHubConfig(['--keep-audit-days', '30'], {})).toMatchObject({ config: { keepAuditDays: 30 } });
    expect(parseHubConfig([], { FLOE_KEEP_AUDIT_DAYS: '7' })).toMatchObject({ config: { keepAuditDays: 7 } });
    expect(parseHubConfig(['--keep-days', '30'], { FLOE_KEEP_RUNS: '500', FLOE_LOG_CAP_MB: '2' })).toMatchObject({
      config: { keepDays: 30, keepRuns: 500, logCapMb: 2 },
    });
    expect(parseHubConfig(['--keep-runs', '0'], {})).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('--keep-runs'),
    });
  });

  it('reads the artifact caps, by flag or environment, and refuses one that is not a positive size', () => {
    expect(parseHubConfig([], {})).toMatchObject({
      config: { artifactFileMb: 2_048, artifactRunMb: 5_120, artifactTotalMb: 51_200 },
    });
    expect(
      parseHubConfig(['--artifact-file-mb', '10'], { FLOE_ARTIFACT_RUN_MB: '20', FLOE_ARTIFACT_TOTAL_MB: '30' }),
    ).toMatchObject({ config: { artifactFileMb: 10, artifactRunMb: 20, artifactTotalMb: 30 } });
    expect(parseHubConfig(['--artifact-run-mb', '-1'], {})).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('--artifact-run-mb'),
    });
  });

  it('reads the private networks flow-file URLs may reach, none by default, and refuses a bad one', () => {
    expect(parseHubConfig([], {})).toMatchObject({ config: { allowNetworks: [] } });
    const flags = parseHubConfig(['--allow-network', '10.0.0.0/8', '--allow-network', 'fd00::/8'], {
      FLOE_ALLOW_NETWORKS: '192.168.0.0/16',
    });
    expect(flags.kind === 'config' && flags.config.allowNetworks.map((n) => n.bits)).toEqual([8, 8]);
    const env = parseHubConfig([], { FLOE_ALLOW_NETWORKS: '192.168.0.0/16, 127.0.0.1' });
    expect(env.kind === 'config' && env.config.allowNetworks.map((n) => n.bits)).toEqual([16, 32]);
    expect(parseHubConfig(['--allow-network', 'intranet'], {})).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('--allow-network: "intranet" is not an IP address or network'),
    });
  });

  it('gives untrusted runs no network in the sandbox unless --untrusted-network or FLOE_UNTRUSTED_NETWORK says so', () => {
    expect(parseHubConfig([], {})).toMatchObject({ config: { untrustedNetwork: false } });
    expect(parseHubConfig(['--untrusted-network'], {})).toMatchObject({ config: { untrustedNetwork: true } });
    expect(parseHubConfig([], { FLOE_UNTRUSTED_NETWORK: '1', FLOE_SECRET_KEY: 'k' })).toMatchObject({
      config: { untrustedNetwork: true, secretKey: 'k' },
    });
    expect(parseHubConfig([], { FLOE_UNTRUSTED_NETWORK: 'yes' })).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('--untrusted-network'),
    });
  });

  it('serves badges without a token only when --public-badges or FLOE_PUBLIC_BADGES says so', () => {
    expect(parseHubConfig([], {})).toMatchObject({ config: { publicBadges: false } });
    expect(parseHubConfig(['--public-badges'], {})).toMatchObject({ config: { publicBadges: true } });
    expect(parseHubConfig([], { FLOE_PUBLIC_BADGES: 'true' })).toMatchObject({ config: { publicBadges: true } });
    expect(parseHubConfig([], { FLOE_PUBLIC_BADGES: 'on' })).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('--public-badges'),
    });
  });

  it('takes a hub-wide notification URL over https only, with a secret name and a body format', () => {
    expect(
      parseHubConfig(
        ['--notify-url', 'https://hooks.example.com/x', '--notify-secret', 'HOOK', '--notify-format', 'slack'],
        {},
      ),
    ).toMatchObject({
      config: { notifyUrl: 'https://hooks.example.com/x', notifySecret: 'HOOK', notifyFormat: 'slack' },
    });
    expect(parseHubConfig([], { FLOE_NOTIFY_URL: 'https://h.example.com/' })).toMatchObject({
      config: { notifyUrl: 'https://h.example.com/', notifyFormat: 'floe' },
    });
    for (const [args, flag] of [
      [['--notify-url', 'http://hooks.example.com/x'], '--notify-url: must be an https:// URL'],
      [['--notify-url', 'javascript:alert(1)'], '--notify-url'],
      [['--notify-secret', '{{secret.X}}'], '--notify-secret: must be the name of a hub secret'],
      [['--notify-format', 'teams'], '--notify-format'],
    ] as const) {
      expect(parseHubConfig(args, {})).toMatchObject({ kind: 'invalid', message: expect.stringContaining(flag) });
    }
  });

  it('lets flags win over the environment, and ignores empty variables', () => {
    const outcome = parseHubConfig(['--port', '5050', '--admin-token', 'a'.repeat(20)], {
      FLOE_PORT: '6060',
      FLOE_HOST: '0.0.0.0',
      FLOE_ADMIN_TOKEN: 'b'.repeat(20),
      FLOE_PUBLIC_URL: '',
    });
    expect(outcome).toMatchObject({
      kind: 'config',
      config: { port: 5050, host: '0.0.0.0', adminToken: 'a'.repeat(20) },
    });
  });

  it('names repositories by folder, URL or explicit name, with absolute paths', () => {
    const outcome = parseHubConfig(
      ['--repo', '.', '--repo', 'https://example.com/acme/app.git', '--repo', 'tools=../tools/'],
      {},
      '/home/ann/floe',
    );
    expect(outcome.kind === 'config' && outcome.config.repos).toEqual([
      { name: 'floe', url: '/home/ann/floe' },
      { name: 'app', url: 'https://example.com/acme/app.git' },
      { name: 'tools', url: '/home/ann/tools' },
    ]);
  });

  it('refuses two repositories with one name', () => {
    const outcome = parseHubConfig(['--repo', '/a/app', '--repo', '/b/app'], {});
    expect(outcome.kind === 'invalid' && outcome.message).toContain('two repositories are named "app"');
  });

  it('names the flag of a bad value', () => {
    const outcome = parseHubConfig(['--port', 'many'], {});
    expect(outcome.kind === 'invalid' && outcome.message).toMatch(/^invalid configuration:\n {2}--port: /);
    const short = parseHubConfig(['--admin-token', 'short'], {});
    expect(short.kind === 'invalid' && short.message).toContain('--admin-token: the admin token must have at least 16');
  });

  it('reads the admin token from --admin-token-file or FLOE_ADMIN_TOKEN_FILE, never beside --admin-token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-admin-'));
    const file = join(dir, 'admin');
    writeFileSync(file, `${'z'.repeat(24)}\n`, { mode: 0o600 });
    const fromFlag = parseHubConfig(['--admin-token-file', file], {});
    expect(fromFlag.kind === 'config' && fromFlag.config.adminToken).toBe('z'.repeat(24));
    const fromEnv = parseHubConfig([], { FLOE_ADMIN_TOKEN_FILE: file });
    expect(fromEnv.kind === 'config' && fromEnv.config.adminToken).toBe('z'.repeat(24));
    const both = parseHubConfig(['--admin-token-file', file, '--admin-token', 'y'.repeat(20)], {});
    expect(both).toEqual({ kind: 'invalid', message: '--admin-token-file: give the admin token or a file, not both' });
    const missing = parseHubConfig(['--admin-token-file', join(dir, 'nope')], {});
    expect(missing.kind === 'invalid' && missing.message).toContain('cannot read');
  });

  it('refuses an unknown flag with the usage', () => {
    const outcome = parseHubConfig(['--prot', '1'], {});
    expect(outcome.kind === 'invalid' && outcome.message).toContain("Unknown option '--prot'");
    expect(outcome.kind === 'invalid' && outcome.message).toContain('Usage: floe-hub');
  });

  it('answers --help with the usage', () => {
    expect(parseHubConfig(['-h'], {})).toMatchObject({ kind: 'help' });
  });
});
