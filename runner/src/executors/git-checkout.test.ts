import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoName } from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testContext } from '../testing/test-context.js';
import { testCertificate } from '../testing/test-tls.js';
import { executeTask } from './execute-task.js';
import type { TaskContext } from './task-context.js';

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

  describe('the run token', () => {
    const token = 'ghs_SECRETtoken123';
    const basic = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    const tls = testCertificate();
    const seen: { host: string; url: string; authorization: string | undefined }[] = [];
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      seen.push({ host: req.headers.host ?? '', url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(404).end(`no such repo, ${token}\n`);
    };
    const secure = createHttpsServer({ key: tls.key, cert: tls.cert }, handler);
    const plain = createServer(handler);
    let tunnels = 0;
    plain.on('connect', (_req, socket) => {
      tunnels++;
      socket.destroy();
    });
    let https = '';
    let http = '';
    const runnerEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_SSL_CAINFO: tls.certFile };
    beforeAll(async () => {
      await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
      https = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
      http = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    });
    afterAll(() => {
      secure.close();
      plain.close();
    });

    /** Checks out `url` in a run whose own repository is `cloneUrl`; what the servers saw, and all git left. */
    async function checkout(
      url: string | undefined,
      cloneUrl: string,
      run: Partial<TaskContext['run']> = {},
      flowEnv: Record<string, string> = {},
    ) {
      seen.length = 0;
      const t = await testContext(
        { type: 'git-checkout', opts: url === undefined ? {} : { url } },
        { run: { token, cloneUrl, ...run }, runnerEnv, flowEnv },
      );
      const outcome = await executeTask(t.ctx);
      const dir = join(t.ctx.workspace, 'r', '.git', 'config');
      const left = `${JSON.stringify(outcome)}${t.text()}${await readFile(dir, 'utf8').catch(() => '')}`;
      return { outcome, left, seen: [...seen] };
    }

    it("goes to the run's own repository over https as a header, and nowhere in logs, messages or .git/config", async () => {
      const { outcome, left, seen } = await checkout(undefined, `${https}/o/r.git`);
      expect(outcome.kind).toBe('error');
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((r) => r.authorization === basic)).toBe(true);
      expect(left).not.toContain(token);
      expect(left).not.toContain(basic.slice('Basic '.length));
    });

    it('goes nowhere else: not to another repository, not to another host, not over plain http', async () => {
      for (const [url, cloneUrl] of [
        [`${https}/other/repo.git`, `${https}/o/r.git`],
        [`https://localhost:${new URL(https).port}/o/r.git`, `${https}/o/r.git`],
        [`${http}/o/r.git`, `${http}/o/r.git`],
      ] as const) {
        const { outcome, left, seen } = await checkout(url, cloneUrl);
        expect(outcome.kind).toBe('error');
        expect(seen.length, url).toBeGreaterThan(0);
        expect(
          seen.map((r) => r.authorization),
          url,
        ).toEqual(seen.map(() => undefined));
        expect(left).not.toContain(token);
      }
      const overHttp = await checkout(undefined, `${http}/o/r.git`);
      expect(overHttp.left).toContain("not sending the run's token: it goes over https only");
    });

    it("is not sent through a proxy an untrusted flow's env names (a private repository's fork run)", async () => {
      const { seen, left } = await checkout(
        undefined,
        `${https}/o/r.git`,
        { trust: 'untrusted' },
        { https_proxy: http, HTTPS_PROXY: http, GIT_SSL_NO_VERIFY: '1' },
      );
      expect(tunnels).toBe(0);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((r) => r.authorization === basic)).toBe(true);
      expect(left).not.toContain(token);
    });
  });

  describe('in an untrusted run', () => {
    it('checks out its own repositories and refuses any other', async () => {
      const own = await testContext(
        { type: 'git-checkout', opts: { ref: 'main' } },
        { run: { trust: 'untrusted', cloneUrl: bare } },
      );
      expect(await executeTask(own.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      const head = await testContext(
        { type: 'git-checkout', opts: { url: `${bare}/`, ref: 'main' } },
        { run: { trust: 'untrusted', cloneUrl: 'https://example.invalid/base.git', checkoutUrls: [`${bare}/`] } },
      );
      expect(await executeTask(head.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      const other = await testContext(
        { type: 'git-checkout', opts: { url: bare } },
        { run: { trust: 'untrusted', cloneUrl: 'https://example.invalid/base.git' } },
      );
      expect(await executeTask(other.ctx)).toEqual({
        kind: 'error',
        message: `an untrusted run checks out only its own repositories (https://example.invalid/base.git); ${bare} is refused`,
      });
    });

    it("runs git without the flow's env (it cannot point git elsewhere)", async () => {
      const t = await testContext(
        { type: 'git-checkout', opts: { ref: 'main' } },
        {
          run: { trust: 'untrusted', cloneUrl: bare },
          // Would make git run this command for the fetch: it must not.
          flowEnv: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.fsmonitor', GIT_CONFIG_VALUE_0: 'touch pwned' },
        },
      );
      expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      expect(await readFile(join(t.ctx.workspace, 'demo', 'pwned')).catch(() => 'absent')).toBe('absent');
    });
  });

  it('refuses a ref or URL that git would take for an option', async () => {
    const ref = await testContext({ type: 'git-checkout', opts: { url: bare, ref: '--upload-pack=touch /tmp/x' } });
    expect(await executeTask(ref.ctx)).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('not a branch, tag or commit name'),
    });
    const url = await testContext({ type: 'git-checkout', opts: { url: '--upload-pack=touch /tmp/x' } });
    expect(await executeTask(url.ctx)).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('may start with -'),
    });
  });

  it('names the directory as git clone does', () => {
    expect(repoName('https://github.com/floeit/floe.git')).toBe('floe');
    expect(repoName('git@github.com:floeit/floe-test.git')).toBe('floe-test');
    expect(repoName('/srv/repos/app/')).toBe('app');
  });
});
