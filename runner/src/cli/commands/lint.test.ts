// Runs the built `floe` command as a real process in a temporary directory (build: npx tsc -b runner).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const main = join(root, 'runner/dist/cli/main.js');
let dir: string;

type Result = { code: number; stdout: string; stderr: string };
const floe = (...args: string[]): Promise<Result> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      [main, ...args],
      { cwd: dir, env: { ...process.env, NO_COLOR: '' } },
      (error, stdout, stderr) => {
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });

const GOOD = 'id: ok\ntasks:\n  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}}\n';
const TYPO = 'id: f\ntasks:\n  - id: a\n    type: exec\n    lisen: trigger.good\n    opts: {cmd: make}\n';
const WARNING_ONLY = 'id: w\ntasks:\n  - {id: a, type: exec, listen: task.nope.good, opts: {cmd: make}}\n';

beforeAll(async () => {
  // Build the command from the current sources; a no-op when the build is up to date.
  await new Promise((done) => execFile('npx', ['tsc', '-b', 'runner'], { cwd: root }, done));
  expect(existsSync(main), `${main} missing: run npx tsc -b runner`).toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'floe-lint-'));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('floe lint', () => {
  it('lints ./FLOE.yaml by default and exits 1 on an error', async () => {
    await writeFile(join(dir, 'FLOE.yaml'), TYPO);
    const { code, stdout, stderr } = await floe('lint');
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'FLOE.yaml:5:5 error unknown-key Unknown key `lisen` in an `exec` task.',
        '    hint: did you mean `listen`?',
        '1 error, 0 warnings in 1 file',
        '',
      ].join('\n'),
    );
    expect(code).toBe(1);
  });

  it('exits 0 for a clean file and for warnings alone', async () => {
    await writeFile(join(dir, 'good.yaml'), GOOD);
    await writeFile(join(dir, 'warn.yaml'), WARNING_ONLY);
    expect(await floe('lint', 'good.yaml')).toEqual({ code: 0, stdout: 'no problems in 1 file\n', stderr: '' });
    const warned = await floe('lint', 'good.yaml', 'warn.yaml');
    expect(warned.code).toBe(0);
    expect(warned.stdout).toContain('warn.yaml:3:33 warning listen-never-emitted ');
    expect(warned.stdout).toContain('0 errors, 1 warning in 2 files');
  });

  it('prints only a JSON array with --json, with the hint', async () => {
    await writeFile(join(dir, 'FLOE.yaml'), TYPO);
    const { code, stdout } = await floe('lint', '--json');
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual([
      {
        file: 'FLOE.yaml',
        line: 5,
        column: 5,
        endLine: 5,
        endColumn: 10,
        severity: 'error',
        code: 'unknown-key',
        message: 'Unknown key `lisen` in an `exec` task.',
        hint: 'did you mean `listen`?',
      },
    ]);
    await writeFile(join(dir, 'good.yaml'), GOOD);
    expect(JSON.parse((await floe('lint', 'good.yaml', '--json')).stdout)).toEqual([]);
  });

  it('prints nothing of the YAML library on stderr (an unquoted {{ws}} in a [...] list)', async () => {
    await writeFile(
      join(dir, 'ws.yaml'),
      'id: f\ntasks:\n  - {id: a, type: exec, listen: trigger.good, opts: {cmd: ls, args: [{{ws}}/x]}}\n',
    );
    const { code, stdout, stderr } = await floe('lint', 'ws.yaml');
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toContain('error invalid-value Entry 1 of `args` must be a string, not a mapping.');
  });

  it('refuses a file whose flows: is empty', async () => {
    await writeFile(join(dir, 'none.yaml'), 'flows: []\n');
    const { code, stdout } = await floe('lint', 'none.yaml');
    expect(code).toBe(1);
    expect(stdout).toContain('none.yaml:1:1 error empty-file The file holds no flow: `flows:` is empty.');
  });

  it('reads the FLOE.yaml of a directory given as argument', async () => {
    await mkdir(join(dir, 'repo'), { recursive: true });
    await writeFile(join(dir, 'repo', 'FLOE.yaml'), TYPO);
    const { code, stdout } = await floe('lint', 'repo');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^repo\/FLOE\.yaml:5:5 error unknown-key/);
  });

  it('exits 2 with a clear message for a missing file', async () => {
    const { code, stderr } = await floe('lint', 'missing.yaml');
    expect(code).toBe(2);
    expect(stderr).toContain('floe lint: cannot read missing.yaml: no such file');
  });

  it('exits 2 with the usage for an unknown flag', async () => {
    const { code, stderr, stdout } = await floe('lint', '--jsn');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain("Unknown option '--jsn'");
    expect(stderr).toContain('usage: floe lint [FILE…] [--json]');
  });

  it('prints its usage with --help', async () => {
    const { code, stdout } = await floe('lint', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('usage: floe lint');
  });

  it('does not colour output that is not a terminal', async () => {
    await writeFile(join(dir, 'FLOE.yaml'), TYPO);
    expect((await floe('lint')).stdout).not.toContain('\u001b[');
  });
});

describe('floe', () => {
  it('lists its commands with --help', async () => {
    const { code, stdout } = await floe('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('usage: floe <command>');
    expect(stdout).toMatch(/\n {2}lint +check FLOE\.yaml files/);
  });

  it('exits 2 with the usage on stderr for an unknown command', async () => {
    const { code, stdout, stderr } = await floe('lnt');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('floe: unknown command `lnt`; did you mean `lint`?');
    expect(stderr).toContain('commands:');
  });

  it('exits 2 when no command is given', async () => {
    const { code, stderr } = await floe();
    expect(code).toBe(2);
    expect(stderr).toContain('floe: no command given');
  });
});
