// Task caches end to end: the built `floe run` as a real process, twice, sharing the user's cache dir.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const main = join(root, 'runner/dist/cli/main.js');

let dir: string;
let cacheHome: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-caches-e2e-'));
  cacheHome = await mkdtemp(join(tmpdir(), 'floe-caches-home-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(cacheHome, { recursive: true, force: true });
});

function floeRun(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [main, 'run', ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cacheHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

const FLOE = `
id: deps
tasks:
  - {id: checkout, type: git-checkout, listen: trigger.good, opts: {sub-dir: src}}
  - id: install
    type: exec
    listen: task.checkout.good
    cache:
      key: "npm-{{runner.os}}-{{runner.arch}}-{{hash src/package-lock.json}}"
      restore-keys: ["npm-{{runner.os}}-"]
      paths: [src/node_modules]
    opts:
      sub-dir: src
      shell: |
        if [ -f node_modules/left-pad/index.js ]; then echo "reused $(cat node_modules/left-pad/index.js)"; fi
        mkdir -p node_modules/left-pad && cat package-lock.json > node_modules/left-pad/index.js
`;

const gitEnv = {
  GIT_AUTHOR_NAME: 'floe test',
  GIT_AUTHOR_EMAIL: 'test@floe.invalid',
  GIT_COMMITTER_NAME: 'floe test',
  GIT_COMMITTER_EMAIL: 'test@floe.invalid',
};

/** Commits the flow and the lock file in `dir` (a git repository: floe run checks it out into the workspace). */
async function commit(lock: string) {
  await writeFile(join(dir, 'FLOE.yaml'), FLOE);
  await writeFile(join(dir, 'package-lock.json'), lock);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, ...gitEnv } });
  if (!existsSync(join(dir, '.git'))) git('init', '-q', '-b', 'main');
  git('add', 'FLOE.yaml', 'package-lock.json');
  git('commit', '-q', '-m', `lock ${lock}`);
}

describe('floe run with a task cache', () => {
  it('misses and saves, then restores on the next run, and says so live and in its summary', async () => {
    await commit('v1');

    const first = await floeRun('--work-dir', join(cacheHome, 'work-1'));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/install +· cache miss: npm-linux-\w+-[0-9a-f]{64}\n/);
    expect(first.stdout).toMatch(/install +· cache saved: npm-linux-\w+-[0-9a-f]{64} — /);
    expect(first.stdout).toMatch(/node\s+state\s+exit\s+duration\s+cache\n/);
    expect(first.stdout).toMatch(/install\s+good\s+0\s+\S+\s+miss, saved\n/);
    // Kept in the user's cache dir, not in the work dir.
    expect(readdirSync(join(cacheHome, 'floe', 'caches')).length).toBeGreaterThan(0);
    expect(first.stdout).toMatch(/checkout\s+good/);

    // Another work dir: nothing of the first workspace is there, only the cache.
    const second = await floeRun('--work-dir', join(cacheHome, 'work-2'));
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('reused v1');
    expect(second.stdout).toMatch(/install\s+good\s+0\s+\S+\s+hit\n/);

    await commit('v2');
    const third = await floeRun('--work-dir', join(cacheHome, 'work-3'));
    expect(third.stdout).toContain('reused v1');
    expect(third.stdout).toMatch(/install\s+good\s+0\s+\S+\s+partial hit, saved\n/);
  });

  it('keeps nothing with --cache-max-mb 0, and says so', async () => {
    await commit('v1');
    const run = await floeRun('--work-dir', join(cacheHome, 'work'), '--cache-max-mb', '0');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/install +· cache error: this runner keeps no caches \(--cache-max-mb 0\)\n/);
    expect(existsSync(join(cacheHome, 'floe', 'caches'))).toBe(false);
  });

  it('refuses a --cache-max-mb that is not a number', async () => {
    await commit('v1');
    const run = await floeRun('--cache-max-mb', 'lots');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--cache-max-mb must be a number of MiB, not lots');
  });
});
