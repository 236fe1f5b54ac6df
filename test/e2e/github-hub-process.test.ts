// The floe-hub program as its own process, configured as a GitHub App only through its environment (APP_ID,
// PRIVATE_KEY_PATH, WEBHOOK_SECRET, GITHUB_API_URL) and pointed at the fake GitHub.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, FakeGithub, type FakeRepo } from '../github/fake-github.js';
import { eventually, WEBHOOK_SECRET } from '../github/github-harness.js';
import { pushEvent } from '../github/webhook-payloads.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const main = join(root, 'github-app/dist/main.js');

let fake: FakeGithub;
let repo: FakeRepo;
let dir: string;
let keyFile: string;
let hub: ChildProcess | undefined;
let hubUrl: string;
/** The hub's pino log (stdout, JSON lines, level warn and up). */
let hubLog: () => string;

/** Starts floe-hub with `env` added; resolves with its URL once it listens. */
async function startHub(
  env: Record<string, string>,
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(process.execPath, [main, '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
    env: { ...process.env, FLOE_ADMIN_TOKEN: 'admin-token-for-process-tests-0123', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const file = join(dataDir, 'hub.json');
  const { url } = await eventually(() => {
    if (child.exitCode !== null) throw new Error(`floe-hub exited ${child.exitCode}: ${stderr}`);
    // The hub writes the file once listening; it may be caught half-written.
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    return text.endsWith('}') && (JSON.parse(text) as { url: string });
  }, 30_000);
  return { child, url, log: () => stdout };
}

beforeAll(async () => {
  // The program under test is the built one: bring dist up to date (incremental; errors elsewhere do not stop it).
  spawnSync('npx', ['tsc', '-b', 'github-app'], { cwd: root, stdio: 'ignore' });
  fake = await FakeGithub.start();
  repo = fake.createRepo('acme/widgets', {
    'FLOE.yaml':
      'id: build\ntriggers:\n  - id: push\n    type: push\ntasks:\n  - id: t\n    type: exec\n    listen: trigger.good\n    opts:\n      cmd: "true"\n',
  });
  dir = mkdtempSync(join(tmpdir(), 'floe-hub-process-'));
  keyFile = join(dir, 'app.pem');
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  writeFileSync(keyFile, privateKey, { mode: 0o600 });
  const started = await startHub(
    { APP_ID: '1', PRIVATE_KEY_PATH: keyFile, WEBHOOK_SECRET, GITHUB_API_URL: fake.url },
    join(dir, 'hub'),
  );
  hub = started.child;
  hubUrl = started.url;
  hubLog = started.log;
});

afterAll(async () => {
  if (hub && hub.exitCode === null) {
    const exited = new Promise((resolve) => hub?.once('exit', resolve));
    hub.kill('SIGTERM');
    await exited;
  }
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('floe-hub with GitHub App credentials', () => {
  it('lists its installations at start with the App key, and reports a pushed commit as a queued check run', async () => {
    await eventually(() => fake.requests.some((r) => r.operationId === 'apps/list-installations'));
    expect(fake.requests.find((r) => r.operationId === 'apps/list-installations')?.authorization).toMatch(/^bearer /i);
    const sha = repo.commit({ 'README.md': 'process\n' }, 'process', 'feature/p');
    const response = await deliver(hubUrl, WEBHOOK_SECRET, {
      id: 'process-1',
      event: 'push',
      payload: pushEvent(fake, repo, { ref: 'refs/heads/feature/p', after: sha, message: 'process' }),
    });
    expect(response.status).toBe(200);
    // No runner is connected: the run waits, and its check run says so.
    const check = await eventually(() => fake.checksOf(sha)[0]);
    expect(check.name).toBe('build');
    expect(check.statuses).toEqual(['queued']);
    expect(fake.failures).toEqual([]);
  });

  it('answers a webhook with a bad signature with 400 and does nothing', async () => {
    const sha = repo.commit({ 'README.md': 'forged\n' }, 'forged', 'feature/forged');
    const response = await deliver(
      hubUrl,
      WEBHOOK_SECRET,
      {
        id: 'process-2',
        event: 'push',
        payload: pushEvent(fake, repo, { ref: 'refs/heads/feature/forged', after: sha, message: 'x' }),
      },
      { signWith: 'wrong' },
    );
    expect(response.status).toBe(400);
    // Nothing asked GitHub about the forged commit (the hub may still be reading its installations).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.requests.filter((r) => r.url.includes(sha) || JSON.stringify(r.body ?? '').includes(sha))).toEqual([]);
    expect(await response.json()).toMatchObject({ code: 'FLOE_BAD_SIGNATURE' });
  });

  it('logs bad signatures at warn once, without a stack, however many arrive', async () => {
    const forged = (id: string) =>
      deliver(hubUrl, WEBHOOK_SECRET, { id, event: 'ping', payload: { zen: id } }, { signWith: 'wrong' });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => forged(`flood-${i}`)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(400));
    const lines = () =>
      hubLog()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    // The earlier test's forged delivery opened the window (60 s): one line, the first, in all.
    const about = lines().filter((line) => /signature/i.test(JSON.stringify(line)));
    expect(about).toEqual([
      expect.objectContaining({ level: 40, msg: 'webhook with a bad signature refused', reason: 'bad signature' }),
    ]);
    expect(JSON.stringify(about)).not.toMatch(/"stack"|"err"/);
    expect(lines().filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});

describe('floe-hub without GitHub App credentials', () => {
  it('works standalone and serves no webhook route', async () => {
    const standalone = await startHub({}, join(dir, 'standalone'));
    try {
      const health = await fetch(`${standalone.url}/healthz`);
      expect(health.status).toBe(200);
      const response = await deliver(standalone.url, WEBHOOK_SECRET, {
        id: 'x',
        event: 'ping',
        payload: { zen: 'hi' },
      });
      expect([401, 404]).toContain(response.status);
    } finally {
      const exited = new Promise((resolve) => standalone.child.once('exit', resolve));
      standalone.child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses to start with only some of the credentials, naming the missing ones', () => {
    const result = spawnSync(process.execPath, [main, '--port', '0', '--data-dir', join(dir, 'partial')], {
      env: { ...process.env, APP_ID: '1', FLOE_ADMIN_TOKEN: 'admin-token-for-process-tests-0123' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET');
  });
});
