import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRepo, tempDir } from '../testing/test-repo.js';
import { LocalGitSource } from './local-git-source.js';
import { parseRepoSpec } from './parse-repo-spec.js';

const { dir, cleanup } = tempDir('floe-source-');
afterAll(cleanup);

describe('LocalGitSource', () => {
  const repo = makeRepo(dir, 'work', { 'FLOE.yaml': 'id: one\ntasks: []\n' });
  const first = repo.commit({ 'FLOE.yaml': 'id: two\ntasks: []\n' });
  repo.branch('feature/x');
  const second = repo.commit({ 'FLOE.yaml': 'id: three\ntasks: []\n', 'sub/flow.yaml': 'x' });
  const bare = repo.bareClone(path.join(dir, 'acme.git'));

  it('reads the default branch head and files at any commit of a bare repository', async () => {
    const source = new LocalGitSource({ name: 'acme', url: bare, mirrorsDir: path.join(dir, 'mirrors') });
    expect(await source.head()).toEqual({ ref: 'refs/heads/main', sha: second });
    expect(await source.readFile(first, 'FLOE.yaml')).toBe('id: two\ntasks: []\n');
    expect(await source.readFile(second, './sub/flow.yaml')).toBe('x');
    expect(await source.readFile(first, 'sub/flow.yaml')).toBeUndefined();
    expect(await source.readFile(second, '../etc/passwd')).toBeUndefined();
  });

  it('resolves branches with slashes to their full ref, and commits to themselves', async () => {
    const source = new LocalGitSource({ name: 'acme', url: bare, mirrorsDir: path.join(dir, 'mirrors') });
    expect(await source.resolveRef('feature/x')).toEqual({ sha: first, ref: 'refs/heads/feature/x' });
    expect(await source.resolveRef('refs/heads/main')).toEqual({ sha: second, ref: 'refs/heads/main' });
    expect(await source.resolveRef(first)).toEqual({ sha: first });
    expect(await source.resolveRef('nope')).toBeUndefined();
    expect(await source.resolveRef('--upload-pack=touch /tmp/x')).toBeUndefined();
  });

  it('mirrors a URL repository and sees commits pushed after the mirror was made', async () => {
    const source = new LocalGitSource({
      name: 'remote',
      url: `file://${repo.path}`,
      mirrorsDir: path.join(dir, 'mirrors'),
    });
    expect((await source.head())?.sha).toBe(second);
    const third = repo.commit({ 'FLOE.yaml': 'id: four\ntasks: []\n' });
    expect(await source.resolveRef('main')).toEqual({ sha: third, ref: 'refs/heads/main' });
    expect(await source.readFile(third, 'FLOE.yaml')).toBe('id: four\ntasks: []\n');
  });

  it('sees every way HEAD can move, though it asks git only when the files behind HEAD changed', async () => {
    const work = makeRepo(dir, 'moving', { a: '1' });
    const source = new LocalGitSource({ name: 'moving', url: work.path, mirrorsDir: dir });
    const { git } = await import('../testing/test-repo.js');
    const head = async () => (await source.head())?.sha;
    const c1 = git(work.path, 'rev-parse', 'HEAD');
    expect(await head()).toBe(c1);
    expect(await head()).toBe(c1);
    const c2 = work.commit({ a: '2' });
    expect(await head()).toBe(c2);
    git(work.path, 'pack-refs', '--all', '--prune');
    expect(await head()).toBe(c2);
    git(work.path, 'update-ref', 'refs/heads/main', c1);
    expect(await head()).toBe(c1);
    git(work.path, 'pack-refs', '--all', '--prune');
    git(work.path, 'update-ref', 'refs/heads/main', c2);
    expect(await head()).toBe(c2);
    git(work.path, 'checkout', '-q', '-b', 'other', c1);
    expect(await source.head()).toEqual({ ref: 'refs/heads/other', sha: c1 });
    git(work.path, 'symbolic-ref', 'HEAD', 'refs/heads/main');
    expect(await source.head()).toEqual({ ref: 'refs/heads/main', sha: c2 });
    // A worktree keeps its own HEAD in .git/worktrees/<name>, its refs in the shared dir.
    const tree = path.join(dir, 'moving-tree');
    git(work.path, 'worktree', 'add', '-q', tree, 'other');
    const inTree = new LocalGitSource({ name: 'tree', url: tree, mirrorsDir: dir });
    expect(await inTree.head()).toEqual({ ref: 'refs/heads/other', sha: c1 });
    git(work.path, 'update-ref', 'refs/heads/other', c2);
    expect(await inTree.head()).toEqual({ ref: 'refs/heads/other', sha: c2 });
  });

  it('says an empty repository has no head', async () => {
    const empty = makeRepo(dir, 'empty', {});
    const bareEmpty = path.join(dir, 'empty.git');
    const { git } = await import('../testing/test-repo.js');
    git(dir, 'init', '-q', '--bare', bareEmpty);
    expect(await new LocalGitSource({ name: 'e', url: bareEmpty, mirrorsDir: dir }).head()).toBeUndefined();
    expect(empty.path).toContain('empty');
  });
});

describe('parseRepoSpec', () => {
  it('names a repository after its folder, or as given', () => {
    expect(parseRepoSpec('/srv/git/acme.git')).toEqual({ name: 'acme', url: '/srv/git/acme.git' });
    expect(parseRepoSpec('work', '/home/ann')).toEqual({ name: 'work', url: '/home/ann/work' });
    expect(parseRepoSpec('shop=/srv/a=b')).toEqual({ name: 'shop', url: '/srv/a=b' });
    expect(parseRepoSpec('https://example.com/o/site.git?x=1')).toEqual({
      name: 'site',
      url: 'https://example.com/o/site.git?x=1',
    });
    expect(parseRepoSpec('web=git@github.com:o/web.git')).toEqual({ name: 'web', url: 'git@github.com:o/web.git' });
    expect(parseRepoSpec('')).toMatchObject({ error: expect.stringContaining('give a path or URL') });
  });
});
