import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { hubClient, parseHubCommand } from './hub-api-command.js';

// A real hub stand-in on loopback that answers GET /api/me with the bearer token it was sent, so a test sees which
// token and which address the command chose.
let server: Server;
let url: string;
let dir: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ name: token, role: 'viewer' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(path.join(tmpdir(), 'floe-hub-api-'));
});
afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

function io(): CliIo & { said: () => string } {
  const stderr = new PassThrough();
  let said = '';
  stderr.on('data', (chunk: Buffer) => {
    said += chunk.toString();
  });
  return { stdin: new PassThrough(), stdout: new PassThrough(), stderr, cwd: dir, color: false, said: () => said };
}

/** The token the stand-in hub received from the client hubClient made, or the sentence hubClient answered. */
async function tokenSent(values: Parameters<typeof hubClient>[0], env: NodeJS.ProcessEnv, cli = io()) {
  const client = hubClient(values, cli, env);
  return typeof client === 'string' ? client : (await client.me()).name;
}

describe('the hub API commands read one environment convention', () => {
  it('takes the hub from FLOE_HUB_URL and the token from FLOE_TOKEN', async () => {
    expect(await tokenSent({}, { FLOE_HUB_URL: url, FLOE_TOKEN: 'env-token' })).toBe('env-token');
  });

  it('prefers the flags to the environment', async () => {
    const env = { FLOE_HUB_URL: 'http://127.0.0.1:1', FLOE_TOKEN: 'env-token' };
    expect(await tokenSent({ hub: url, token: 'flag-token' }, env)).toBe('flag-token');
  });

  it('reads the token from the first line of --token-file or FLOE_TOKEN_FILE', async () => {
    const file = path.join(dir, 'token');
    await writeFile(file, 'file-token\nsecond line is not the token\n');
    expect(await tokenSent({ hub: url, 'token-file': file }, {})).toBe('file-token');
    expect(await tokenSent({ hub: url }, { FLOE_TOKEN_FILE: file })).toBe('file-token');
    expect(await tokenSent({ hub: url, token: 'flag-token' }, { FLOE_TOKEN_FILE: file })).toBe('flag-token');
  });

  it('says what to do when the token file is missing or empty, or nothing names a hub or token', async () => {
    const empty = path.join(dir, 'empty');
    await writeFile(empty, '\n');
    expect(await tokenSent({ hub: url, 'token-file': path.join(dir, 'nope') }, {})).toMatch(
      /cannot read the token file .*nope: ENOENT/,
    );
    expect(await tokenSent({ hub: url, 'token-file': empty }, {})).toMatch(/is empty; put the token on its first line/);
    expect(await tokenSent({ token: 't' }, {})).toBe('no hub: pass --hub URL or set FLOE_HUB_URL');
    expect(await tokenSent({ hub: url }, {})).toMatch(/^no API token: pass --token-file PATH/);
  });

  it('keeps the old FLOE_HUB working, with a note to move to FLOE_HUB_URL', async () => {
    const cli = io();
    expect(await tokenSent({}, { FLOE_HUB: url, FLOE_TOKEN: 'old-name' }, cli)).toBe('old-name');
    expect(cli.said()).toBe('floe: FLOE_HUB is deprecated and will be removed; set FLOE_HUB_URL instead\n');
    const quiet = io();
    expect(await tokenSent({}, { FLOE_HUB: 'http://127.0.0.1:1', FLOE_HUB_URL: url, FLOE_TOKEN: 'new' }, quiet)).toBe(
      'new',
    );
    expect(quiet.said()).toBe('');
  });
});

describe('parseHubCommand', () => {
  const USAGE = 'usage: floe thing [--limit N]';
  const stdoutOf = (cli: CliIo) => {
    let text = '';
    cli.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    return () => text;
  };

  it('gives the hub options, --help and the command own options, and a usage that says the problem', () => {
    const cli = io();
    const started = parseHubCommand('thing', USAGE, ['--hub', url, '--limit', '5', 'extra'], cli, {
      limit: { type: 'string' },
    });
    if (typeof started === 'number') throw new Error(`exited ${started}: ${cli.said()}`);
    expect(started.parsed.values).toEqual({ hub: url, limit: '5' });
    expect(started.parsed.positionals).toEqual(['extra']);
    expect(started.usage('say more')).toBe(2);
    expect(cli.said()).toBe(`floe thing: say more\n\n${USAGE}\n`);
  });

  it('prints the usage on stdout for --help (status 0), and on stderr with the reason for a bad option (2)', () => {
    const help = io();
    const printed = stdoutOf(help);
    expect(parseHubCommand('thing', USAGE, ['-h'], help, {})).toBe(0);
    expect(printed()).toBe(`${USAGE}\n`);
    const bad = io();
    expect(parseHubCommand('thing', USAGE, ['--nope'], bad, {})).toBe(2);
    expect(bad.said()).toMatch(/^floe thing: Unknown option '--nope'[\s\S]*usage: floe thing/);
  });
});
