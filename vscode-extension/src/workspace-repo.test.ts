import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readWorkspaceRepo } from './workspace-repo.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function gitFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'floe-ws-'));
  folders.push(folder);
  execFileSync('git', ['init', '-q', '-b', 'feature/x', folder]);
  return folder;
}

describe('readWorkspaceRepo', () => {
  it('reads the branch and the GitHub name of origin', async () => {
    const folder = await gitFolder();
    execFileSync('git', ['-C', folder, 'remote', 'add', 'origin', 'git@github.com:acme/shop.git']);
    const repo = await readWorkspaceRepo(folder);
    expect(repo.branch).toBe('feature/x');
    expect(repo.names[0]).toBe('acme/shop');
    expect(repo.names[1]).toMatch(/^floe-ws-/);
  });

  it('falls back to the folder name without git', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'floe-nogit-'));
    folders.push(folder);
    expect(await readWorkspaceRepo(folder)).toEqual({ names: [folder.split('/').at(-1)], branch: undefined });
  });
});
