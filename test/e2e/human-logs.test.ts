// Logs for people (docs/operations.md "Logs"): `floe hub` and `floe up` print readable lines on a terminal, as the
// runner does, and JSON lines anywhere else; `--log-format json|pretty` chooses. The terminal is a real
// pseudo-terminal (util-linux `script`), not a flag.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FLOE_MAIN,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  type SpawnedProcess,
  spawnProcess,
} from '../support/index.js';

const READABLE = /^\d\d:\d\d:\d\d INFO {2}hub listening url=http:\/\/127\.0\.0\.1:\d+ /m;
const started: { process: SpawnedProcess; dataDir?: string }[] = [];

afterAll(async () => {
  for (const { process: child } of started) {
    child.child.kill('SIGINT');
    await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
  // A hub started under `script` is its grandchild: ended by the pid it wrote.
  for (const { dataDir } of started) {
    if (!dataDir) continue;
    try {
      const { pid } = JSON.parse(readFileSync(join(dataDir, 'hub.json'), 'utf8')) as { pid: number };
      process.kill(pid, 'SIGTERM');
    } catch {
      // Stopped already.
    }
  }
  await killSpawned();
  removeTempDirs();
});

function floeHub(args: string[], options: { terminal?: boolean } = {}) {
  const dataDir = join(makeTempDir('floe-logs-'), 'hub');
  const argv = [FLOE_MAIN, 'hub', '--port', '0', '--data-dir', dataDir, ...args];
  const quoted = [process.execPath, ...argv].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = options.terminal
    ? spawnProcess('script', ['-qfec', quoted, '/dev/null'])
    : spawnProcess(process.execPath, argv);
  started.push({ process: child, dataDir });
  return child;
}

const jsonLines = (output: string) =>
  output
    .split(/\r?\n/)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('floe hub logs', () => {
  it('are JSON lines when no terminal reads them', async () => {
    const hub = floeHub([]);
    await hub.waitForOutput('"msg":"hub listening"');
    const listening = jsonLines(hub.output()).find((entry) => entry.msg === 'hub listening');
    expect(listening).toMatchObject({ level: 30, app: 'floe-hub', url: expect.stringMatching(/^http:\/\/127/) });
    expect(hub.output()).not.toMatch(READABLE);
  });

  it('are readable lines on a terminal, and JSON there too when asked', async () => {
    const pretty = floeHub([], { terminal: true });
    const output = await pretty.waitForOutput(READABLE);
    expect(jsonLines(output)).toEqual([]);
    expect(output).not.toContain('app=floe-hub');

    const json = floeHub(['--log-format', 'json'], { terminal: true });
    await json.waitForOutput('"msg":"hub listening"');
    expect(json.output()).not.toMatch(READABLE);
  });

  it('are readable lines when asked anywhere, and a bad format is refused naming the flag', async () => {
    const pretty = floeHub(['--log-format', 'pretty']);
    await pretty.waitForOutput(READABLE);
    expect(jsonLines(pretty.output())).toEqual([]);

    const bad = floeHub(['--log-format', 'yaml']);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('--log-format');
  });
});

describe('floe up logs', () => {
  it('print readable lines of the hub and of the runner with --log-format pretty, JSON of both with json', async () => {
    for (const format of ['pretty', 'json'] as const) {
      const repo = makeTempDir('floe-up-logs-');
      makeGitRepo(repo, { 'FLOE.yaml': 'flows: []\n' });
      const up = spawnProcess(process.execPath, [FLOE_MAIN, 'up', '--port', '0', '--log-format', format], {
        cwd: repo,
      });
      started.push({ process: up });
      if (format === 'pretty') {
        const output = await up.waitForOutput(/^\d\d:\d\d:\d\d INFO {2}connected to the hub/m, 60_000);
        expect(output).toMatch(READABLE);
        expect(jsonLines(output)).toEqual([]);
      } else {
        await up.waitForOutput('"msg":"connected to the hub"', 60_000);
        const messages = jsonLines(up.output()).map((entry) => entry.msg);
        expect(messages).toContain('hub listening');
        expect(up.output()).not.toMatch(READABLE);
      }
      up.child.kill('SIGINT');
      expect(await up.exited).toBe(0);
    }
  });

  it('refuses a format it does not know before starting anything', async () => {
    const repo = makeTempDir('floe-up-logs-');
    const up = spawnProcess(process.execPath, [FLOE_MAIN, 'up', '--log-format', 'loud'], { cwd: repo });
    expect(await up.exited).toBe(2);
    expect(up.output()).toContain('--log-format: json or pretty, not "loud"');
  });
});
