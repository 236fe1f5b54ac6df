// Runs the built script as the root `check` does (build: npx tsc -b shared), on a file in a temporary directory.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(root, 'shared/dist/flow/write-json-schema.js');
let dir: string;

const run = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(process.execPath, [script, ...args], (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });

beforeAll(async () => {
  await new Promise((done) => execFile('npx', ['tsc', '-b', 'shared'], { cwd: root }, done));
  dir = await mkdtemp(join(tmpdir(), 'floe-schema-'));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('write-json-schema', () => {
  it('exits 1 with a clear message when the file is out of date, and 0 once it is written', async () => {
    const file = join(dir, 'floe.schema.json');
    await writeFile(file, '{}\n');
    const stale = await run('--check', file);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('is out of date with shared/src/flow/flow-schema.ts');
    expect(stale.stderr).toContain('node shared/dist/flow/write-json-schema.js');

    expect((await run(file)).code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ title: 'FLOE.yaml' });
    expect(await run('--check', file)).toMatchObject({ code: 0, stdout: `${file} is up to date.\n` });
  });

  it('finds the committed file up to date', async () => {
    expect((await run('--check')).code).toBe(0);
  });
});
