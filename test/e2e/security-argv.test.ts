// Secrets on command lines (docs/security.md "Command lines"): `ps` and /proc/PID/cmdline show every process's
// arguments to every user of the machine. `floe up` starts a hub and a runner and must hand neither a secret
// through its arguments; a runner takes its registration token from a file (`--token-file`) or the environment.
// Read from /proc, as another user of the machine would.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

const ADMIN_TOKEN = 'floe-argv-admin-token-7Hq2Lm9Xz';
let up: SpawnedProcess | undefined;

afterAll(async () => {
  // `floe up` stops its children on SIGINT; SIGKILL (killSpawned) would leave them running.
  up?.child.kill('SIGINT');
  await Promise.race([up?.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  await killSpawned();
  removeTempDirs();
});

/** A process's arguments, as /proc shows them to anyone. */
const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);

/** Every process below `pid` (children, their children, …). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent is the 4th field after the name, which may hold spaces: read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, of] of parents) {
      if (of !== parent) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

describe('command lines', () => {
  it('floe up passes no secret in the arguments of the hub and the runner it starts', async () => {
    const repo = makeTempDir('floe-up-argv-');
    makeGitRepo(repo, {
      'FLOE.yaml': 'id: hello\ntasks:\n  - {id: a, type: exec, listen: trigger.good, opts: {cmd: "true"}}\n',
    });
    up = spawnProcess(process.execPath, [FLOE_MAIN, 'up', '--port', '0', '--name', 'argv-local'], {
      cwd: repo,
      env: { FLOE_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    const started = up;
    const output = await started.waitForOutput(/dashboard\s+http:\/\/\S+/, 60_000);
    const url = /dashboard\s+(http:\/\/\S+)/.exec(output)?.[1] as string;
    await waitFor(
      async () => {
        const response = await fetch(`${url}/api/runners`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        const runners = (await response.json()) as { name: string; connected: boolean }[];
        return runners.some((runner) => runner.name === 'argv-local' && runner.connected);
      },
      { timeoutMs: 30_000, what: 'the local runner to connect' },
    );
    const children = descendants(started.pid).map((pid) => ({ pid, argv: argvOf(pid) }));
    const hub = children.find((child) =>
      child.argv.some((arg) => arg.endsWith('floe-hub') || arg.includes('github-app')),
    );
    const runner = children.find((child) => child.argv.includes('runner') && child.argv.includes('start'));
    expect(hub, JSON.stringify(children)).toBeDefined();
    expect(runner, JSON.stringify(children)).toBeDefined();

    // The runner got its one-time registration token through its environment, readable only by its user.
    const registration = environOf(runner?.pid as number)
      .find((entry) => entry.startsWith('FLOE_RUNNER_TOKEN='))
      ?.slice('FLOE_RUNNER_TOKEN='.length);
    expect(registration).toMatch(/\S{16,}/);
    for (const child of children) {
      const line = child.argv.join(' ');
      expect(line).not.toContain(ADMIN_TOKEN);
      expect(line).not.toContain(registration);
      expect(child.argv).not.toContain('--token');
      expect(child.argv).not.toContain('--admin-token');
    }
  }, 120_000);

  it('a runner reads its registration token from --token-file, and its command line holds none', async () => {
    const hub = await startHub();
    const token = await hub.runnerToken();
    const file = join(makeTempDir('floe-token-file-'), 'token');
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const runner = startRunner({ hub: hub.url, name: 'from-file', args: ['--token-file', file] });
    await runner.waitForOutput('connected to the hub', 30_000);
    expect(argvOf(runner.pid)).toContain('--token-file');
    expect(argvOf(runner.pid).join(' ')).not.toContain(token);

    const twice = startRunner({ hub: hub.url, name: 'both', token: 'x', args: ['--token-file', file] });
    expect(await twice.exited).toBe(78);
    expect(twice.output()).toContain('token-file: give the token or a token file, not both');
  }, 120_000);
});
