import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectArtifacts } from './collect-artifacts.js';

let dir: string;
let ws: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-collect-'));
  ws = join(dir, 'ws');
  await mkdir(join(ws, 'dist', 'sub'), { recursive: true });
  await writeFile(join(ws, 'dist', 'app.js'), 'app');
  await writeFile(join(ws, 'dist', 'sub', 'data.json'), '{}');
  await writeFile(join(ws, 'report.txt'), 'hello');
  await writeFile(join(ws, '.hidden'), 'h');
  await writeFile(join(dir, 'secret'), 'outside');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('collectArtifacts', () => {
  it('takes files, folders and globs, each with its size and sha256, once', async () => {
    const got = await collectArtifacts(ws, { paths: ['dist/', './report.txt', '**/*.json', '{{ws}}/dist/app.js'] });
    expect(got.warnings).toEqual([]);
    expect(got.files.map((f) => [f.path, f.size])).toEqual([
      ['dist/app.js', 3],
      ['dist/sub/data.json', 2],
      ['report.txt', 5],
    ]);
    expect(got.files[2]?.sha256).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });

  it('says which paths and globs matched nothing', async () => {
    const got = await collectArtifacts(ws, { paths: ['missing/', '*.zip', 'report.txt'] });
    expect(got.missing).toEqual(['missing/', '*.zip']);
    expect(got.warnings).toEqual(['artifact path "missing/" matched no file', 'artifact path "*.zip" matched no file']);
    expect(got.files.map((f) => f.path)).toEqual(['report.txt']);
  });

  it('takes nothing outside the workspace: paths that climb out, absolute paths, symlinks out (file or folder)', async () => {
    await symlink(join(dir, 'secret'), join(ws, 'dist', 'leak.txt'));
    await symlink(dir, join(ws, 'dist', 'up'));
    await symlink('/etc', join(ws, 'etc'));
    await symlink(join(ws, 'report.txt'), join(ws, 'dist', 'inside.txt'));
    const got = await collectArtifacts(ws, {
      paths: ['../secret', '/etc/passwd', 'dist/', 'etc/passwd', 'etc/', '**/leak.txt', 'dist/up/secret'],
    });
    expect(got.files.map((f) => f.path)).toEqual(['dist/app.js', 'dist/inside.txt', 'dist/sub/data.json']);
    expect(JSON.stringify(got.files)).not.toContain('outside');
    expect(got.warnings).toContain('artifact path "../secret" leaves the workspace; nothing of it is taken');
    expect(got.warnings).toContain('artifact path "/etc/passwd" leaves the workspace; nothing of it is taken');
    expect(got.warnings).toContain('dist/leak.txt resolves outside the workspace; not taken');
    expect(got.warnings).toContain('etc/passwd resolves outside the workspace; not taken');
    expect(got.warnings).toContain('dist/up/secret resolves outside the workspace; not taken');
  });

  it('leaves out files whose names an artifact cannot carry, saying so', async () => {
    await writeFile(join(ws, 'dist', 'bell\u0007.txt'), 'x');
    await writeFile(join(ws, 'dist', 'back\\slash'), 'x');
    const got = await collectArtifacts(ws, { paths: ['dist/'] });
    expect(got.files.map((f) => f.path)).toEqual(['dist/app.js', 'dist/sub/data.json']);
    expect(got.warnings.filter((w) => w.includes('cannot carry')).length).toBe(2);
  });
});
