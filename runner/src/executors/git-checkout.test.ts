import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoName } from '@floe/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { executeTask } from './execute-task.js';
import { testContext } from './test-context.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  }).trim();

let bare: string;
const shas: Record<string, string> = {};

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'floe-git-'));
  const src = join(root, 'src');
  git(root, 'init', '-q', '-b', 'main', src);
  for (const n of [1, 2, 3]) {
    await writeFile(join(src, 'file.txt'), `main ${n}\n`);
    git(src, 'add', '.');
    git(src, 'commit', '-q', '-m', `main ${n}`);
    shas[`main${n}`] = git(src, 'rev-parse', 'HEAD');
    if (n === 2) git(src, 'tag', 'v2');
  }
  git(src, 'checkout', '-q', '-b', 'feature', shas.main1 as string);
  await writeFile(join(src, 'file.txt'), 'feature\n');
  git(src, 'commit', '-q', '-am', 'feature');
  git(src, 'checkout', '-q', 'main');
  bare = join(root, 'demo.git');
  git(root, 'clone', '-q', '--bare', src, bare);
});

const file = (ws: string, dir = 'demo') => readFile(join(ws, dir, 'file.txt'), 'utf8');

describe('git-checkout', () => {
  it('checks out the remote HEAD into a directory named as git clone would', async () => {
    const t = await testContext({ type: 'git-checkout', opts: { url: bare } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(await file(t.ctx.workspace)).toBe('main 3\n');
    expect(git(join(t.ctx.workspace, 'demo'), 'rev-list', '--count', 'HEAD')).toBe('1'); // shallow, depth 1
    expect(t.text()).toContain(`checked out ${shas.main3} main 3`);
  });

  it('checks out a branch, a tag and an older commit sha, into <sub-dir>/<repository name>', async () => {
    for (const [ref, content] of [
      ['feature', 'feature\n'],
      ['v2', 'main 2\n'],
      [shas.main1 as string, 'main 1\n'],
    ] as const) {
      const t = await testContext({ type: 'git-checkout', opts: { url: bare, ref, 'sub-dir': 'code' } });
      expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      expect(await file(t.ctx.workspace, 'code/demo')).toBe(content);
    }
  });

  it("checks the run's own repository out into sub-dir itself", async () => {
    const t = await testContext(
      { type: 'git-checkout', listen: 'trigger.good', opts: { 'sub-dir': 'code' } },
      { run: { cloneUrl: bare, sha: shas.main2 as string } },
    );
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(await file(t.ctx.workspace, 'code')).toBe('main 2\n');
  });

  describe("the trigger's url and branch (the original's trigger.good opts)", () => {
    const triggers = [
      {
        id: 'start',
        type: 'data',
        opts: { url: '', form: { fields: [{ id: 'branch' }] } },
      },
      { id: 'nightly', type: 'timer', opts: { period: 60, url: '', branch: 'v2' } },
    ];
    const withUrl = () => triggers.map((t) => ({ ...t, opts: { ...t.opts, url: bare } }));
    const own = { cloneUrl: '/nowhere/own.git', sha: shas.main1 as string };

    it('a form value branch picks the ref of a data trigger, cloned into <sub-dir>/<name>', async () => {
      const t = await testContext(
        { type: 'git-checkout', listen: 'trigger.good', opts: { 'sub-dir': 'src/x' } },
        { triggers: withUrl(), run: { ...own, data: { branch: 'feature' } } },
      );
      expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      expect(await file(t.ctx.workspace, 'src/x/demo')).toBe('feature\n');
    });

    it("a timer's branch, when the timer started the run", async () => {
      const t = await testContext(
        { type: 'git-checkout', listen: 'trigger.good', opts: {} },
        { triggers: withUrl(), run: { ...own, trigger: 'nightly' } },
      );
      expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      expect(await file(t.ctx.workspace)).toBe('main 2\n');
    });

    it('only for a task listening to trigger.good, and never over its own url or ref', async () => {
      const later = await testContext(
        { type: 'git-checkout', listen: 'task.build.good', opts: {} },
        { triggers: withUrl(), run: { ...own, data: { branch: 'feature' } } },
      );
      const outcome = await executeTask(later.ctx);
      expect(outcome).toMatchObject({ kind: 'error', message: expect.stringContaining('/nowhere/own.git') });
      const pinned = await testContext(
        { type: 'git-checkout', listen: 'trigger.good', opts: { ref: 'v2' } },
        { triggers: withUrl(), run: { ...own, data: { branch: 'feature' } } },
      );
      expect(await executeTask(pinned.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      expect(await file(pinned.ctx.workspace)).toBe('main 2\n');
    });

    it('refuses a form value that git would read as an option, and runs no git', async () => {
      for (const branch of ['--upload-pack=touch /tmp/pwned', 'a b', 'x\u0000y']) {
        const t = await testContext(
          { type: 'git-checkout', listen: 'trigger.good', opts: {} },
          { triggers: withUrl(), run: { ...own, data: { branch } } },
        );
        expect(await executeTask(t.ctx)).toEqual({
          kind: 'error',
          message: `cannot check out ${JSON.stringify(branch)}: not a branch, tag or commit name`,
        });
        expect(t.text()).not.toContain('git fetch');
      }
    });
  });

  it('fails a git-merge without from-branch, as the original stub did, and checks out with it', async () => {
    const stub = await testContext({ type: 'git-merge', opts: { url: bare } });
    expect(await executeTask(stub.ctx)).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('git-merge task t1 has no from-branch'),
    });
    const merge = await testContext({ type: 'git-merge', opts: { url: bare, branch: 'v2', 'from-branch': 'x' } });
    expect(await executeTask(merge.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(await file(merge.ctx.workspace)).toBe('main 2\n');
  });

  it('accepts branch as the old name of ref, and a depth', async () => {
    const t = await testContext({ type: 'git-checkout', opts: { url: bare, branch: 'main', depth: 2 } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(git(join(t.ctx.workspace, 'demo'), 'rev-list', '--count', 'HEAD')).toBe('2');
  });

  it("defaults to the run's clone URL and commit", async () => {
    const t = await testContext(
      { type: 'git-checkout', opts: {} },
      { run: { cloneUrl: bare, ref: 'main', sha: shas.main2 as string } },
    );
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(await file(t.ctx.workspace)).toBe('main 2\n');
  });

  it("checks out another repository's default branch, not the run's commit", async () => {
    const t = await testContext(
      { type: 'git-checkout', opts: { url: bare } },
      { run: { cloneUrl: '/elsewhere/own.git', sha: 'f'.repeat(40) } },
    );
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(await file(t.ctx.workspace)).toBe('main 3\n');
  });

  it('fetches into an existing clone (a reuse-space workspace)', async () => {
    const t = await testContext({ type: 'git-checkout', opts: { url: bare, ref: 'feature' } });
    await executeTask(t.ctx);
    const again = await testContext(
      { type: 'git-checkout', opts: { url: bare, ref: 'v2' } },
      { workspace: t.ctx.workspace },
    );
    expect(await executeTask(again.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(await file(t.ctx.workspace)).toBe('main 2\n');
  });

  it("resolves an error with git's reason for a ref that does not exist", async () => {
    const t = await testContext({ type: 'git-checkout', opts: { url: bare, ref: 'no-such-branch' } });
    const outcome = await executeTask(t.ctx);
    expect(outcome).toEqual({
      kind: 'error',
      message: expect.stringMatching(/^git fetch of no-such-branch from .* failed \(exit 128\): .*no-such-branch/),
    });
  });

  it('resolves an error without a repository, and for a sub-dir outside the workspace', async () => {
    const none = await testContext({ type: 'git-checkout', opts: {} });
    expect(await executeTask(none.ctx)).toEqual({ kind: 'error', message: 'no repository to check out: set opts.url' });
    const out = await testContext({ type: 'git-checkout', opts: { url: bare, 'sub-dir': '../x' } });
    expect(await executeTask(out.ctx)).toEqual({ kind: 'error', message: 'sub-dir ../x/demo leaves the workspace' });
  });

  it('sends the token only as an HTTP header, never in logs, messages or .git/config', async () => {
    const token = 'ghs_SECRETtoken123';
    let authorization: string | undefined;
    const server = createServer((req, res) => {
      authorization ??= req.headers.authorization;
      res.writeHead(404).end(`no such repo, ${token}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/o/r.git`;
      const t = await testContext({ type: 'git-checkout', opts: { url } }, { run: { token } });
      const outcome = await executeTask(t.ctx);
      expect(outcome.kind).toBe('error');
      expect(authorization).toBe(`Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`);
      const everything = `${JSON.stringify(outcome)}${t.text()}${await readFile(join(t.ctx.workspace, 'r', '.git', 'config'), 'utf8')}`;
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'));
    } finally {
      server.close();
    }
  });

  it('names the directory as git clone does', () => {
    expect(repoName('https://github.com/floeit/floe.git')).toBe('floe');
    expect(repoName('git@github.com:floeit/floe-test.git')).toBe('floe-test');
    expect(repoName('/srv/repos/app/')).toBe('app');
  });
});
