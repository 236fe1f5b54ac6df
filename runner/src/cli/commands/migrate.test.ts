// Runs the built `floe migrate` as a real process on a copy of an original floe config (test/fixtures/original/).
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const main = join(root, 'runner/dist/cli/main.js');
const fixture = join(root, 'test/fixtures/original/integ_test-in.yaml');
let dir: string;

type Result = { code: number; stdout: string; stderr: string };
const floe = (...args: string[]): Promise<Result> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      [main, ...args],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

beforeAll(async () => {
  await new Promise((done) => execFile('npx', ['tsc', '-b', 'runner'], { cwd: root }, done));
  dir = await mkdtemp(join(tmpdir(), 'floe-migrate-'));
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('floe migrate', () => {
  it('prints each change and writes nothing without --write', async () => {
    await copyFile(fixture, join(dir, 'config.yml'));
    const { code, stdout } = await floe('migrate', 'config.yml');
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      'config.yml:2:1 removed `common` — it configured the original floe server; here every key of it is ignored',
      expect.stringMatching(/^config\.yml:17:11 `type` set to `push` — Trigger type `git-push` is the old name/),
      expect.stringMatching(/^config\.yml:19:13 removed `opts` — A push trigger ignores `url`/),
      expect.stringMatching(/^config\.yml:29:19 `type` set to `text` — /),
      expect.stringMatching(/^config\.yml:32:19 `type` set to `text` — /),
      expect.stringMatching(/^config\.yml:42:11 `type` set to `git-checkout` — .*no longer needs `from-branch`/),
      expect.stringMatching(/^config\.yml:71:7 removed `subs` — /),
      '7 changes; nothing written (add --write to save them)',
      '',
    ]);
    expect(await readFile(join(dir, 'config.yml'), 'utf8')).toBe(await readFile(fixture, 'utf8'));
  });

  it('writes the file with --write, after which floe lint finds no legacy key, and a rerun has nothing to do', async () => {
    await copyFile(fixture, join(dir, 'config.yml'));
    expect((await floe('migrate', 'config.yml', '--write')).stdout).toContain('7 changes written to config.yml');
    const lint = await floe('lint', 'config.yml', '--json');
    expect(lint.code).toBe(0);
    expect(JSON.parse(lint.stdout).filter((d: { code: string }) => d.code.startsWith('legacy-'))).toEqual([]);
    expect(await floe('migrate', 'config.yml')).toMatchObject({
      code: 0,
      stdout: "config.yml is already in today's shape\n",
    });
  });

  it('says why it cannot, with exit 2: no file, a missing file, invalid YAML', async () => {
    expect((await floe('migrate')).code).toBe(2);
    const missing = await floe('migrate', 'nope.yml');
    expect(missing).toMatchObject({ code: 2, stderr: 'floe migrate: cannot read nope.yml: ENOENT\n' });
  });
});
