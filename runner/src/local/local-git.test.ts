import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localGit } from './local-git.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-local-git-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('localGit', () => {
  it('finds the top of the repository holding a file in a sub-folder, its HEAD sha and branch', async () => {
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'trunk');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub/FLOE.yaml'), 'id: x\n');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    expect(await localGit(join(dir, 'sub/FLOE.yaml'))).toEqual({
      repo: basename(dir),
      topDir: git('rev-parse', '--show-toplevel'),
      sha: git('rev-parse', 'HEAD'),
      ref: 'trunk',
    });
  });

  it('gives undefined for a file outside any repository', async () => {
    await writeFile(join(dir, 'FLOE.yaml'), 'id: x\n');
    expect(await localGit(join(dir, 'FLOE.yaml'))).toBeUndefined();
  });
});
