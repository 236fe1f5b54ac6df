// A fake github.com for end-to-end tests (the only stand-in the issue allows): a fastify server on 127.0.0.1 that
// answers the REST calls the GitHub App makes from real local bare git repositories, checks EVERY request against
// GitHub's OpenAPI description (a request that does not match is recorded as a failure and answered 400), records
// them, and mints installation tokens. Like GitHub, it serves git over https (a second listener, with a test
// certificate: trust `certFile`), and holds every token to what it was minted for: a token request must name the
// `repositories` and the `permissions` it wants (else 422), and a token is refused (403) for another repository or
// a permission it lacks, by the API and by git. Public repositories clone without a token; private ones need one.
// Webhooks are sent from here too: real payloads from @octokit/webhooks-examples, adapted to the test repository
// and signed as GitHub signs them.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { testCertificate } from '../../runner/src/testing/test-tls.js';
import { OpenApiValidator } from './openapi-validator.js';

// fastify is the hub's dependency (github-app), not test/'s: taken from there rather than installed twice. The
// little of its API used here is typed by hand.
type Reply = {
  code(status: number): Reply;
  header(name: string, value: string): Reply;
  send(body: unknown): Reply;
};
type Request = { method: string; url: string; body: unknown; headers: Record<string, string | string[] | undefined> };
type FastifyInstance = {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string | RegExp,
    options: { parseAs: 'string' | 'buffer' },
    parser: (request: unknown, body: string, done: (err: Error | null, body?: unknown) => void) => void,
  ): void;
  all(path: string, handler: (request: Request, reply: Reply) => Promise<unknown>): void;
  listen(options: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
};
const Fastify = createRequire(new URL('../../github-app/package.json', import.meta.url))('fastify') as (options: {
  logger: boolean;
  bodyLimit: number;
  https?: { key: string; cert: string };
}) => FastifyInstance;

export type Recorded = {
  method: string;
  path: string;
  /** With the query. */
  url: string;
  operationId: string;
  body: unknown;
  authorization: string | undefined;
};

export type FakeCheckRun = {
  id: number;
  name: string;
  head_sha: string;
  external_id?: string;
  /** Every status the app set, in order. */
  statuses: string[];
  conclusion?: string;
  output?: { title?: string; summary?: string; text?: string; annotations?: Annotation[] };
  /** Annotations of every request, in order (GitHub appends them). */
  annotations: Annotation[];
};
type Annotation = { path: string; start_line: number; end_line: number; annotation_level: string; message: string };

export type FakeRepo = {
  owner: string;
  name: string;
  fullName: string;
  /** The bare repository on disk. */
  bare: string;
  /** `https://…/git/<owner>-<name>.git`: the clone_url webhooks carry, served by `git http-backend`. */
  cloneUrl: string;
  defaultBranch: string;
  /** A private repository clones only with a token for it; a public one with none. */
  private: boolean;
  /** Commits files (path → text) on a branch (or a ref like refs/pull/3/head) and returns the commit's sha. */
  commit(files: Record<string, string>, message: string, ref?: string): string;
};

export type FakePull = { number: number; headSha: string; headRef: string; baseRef: string; fork: boolean };

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'floe test',
  GIT_AUTHOR_EMAIL: 'test@floe.invalid',
  GIT_COMMITTER_NAME: 'floe test',
  GIT_COMMITTER_EMAIL: 'test@floe.invalid',
};

let validatorLoad: Promise<OpenApiValidator> | undefined;

export class FakeGithub {
  readonly requests: Recorded[] = [];
  /** Requests that did not match the OpenAPI description, or that the fake does not serve. */
  readonly failures: string[] = [];
  /** Every installation token minted, in order. */
  readonly tokens: string[] = [];
  /** What each token was minted for: repository names and permissions (GitHub's `repositories`, `permissions`). */
  readonly tokenScopes = new Map<string, { repositories: string[]; permissions: Record<string, string> }>();
  /**
   * git's requests for repositories: the repository, the path, the Host asked for, whether it came over https and
   * the installation token it carried (or none). Plain http is answered 403 (nothing served), but recorded.
   */
  readonly gitRequests: { repo: string; path: string; host: string; https: boolean; token: string | undefined }[] = [];
  readonly checkRuns = new Map<number, FakeCheckRun>();
  readonly comments: { issue: number; body: string }[] = [];
  readonly reactions: { commentId: number; content: string }[] = [];
  readonly permissions = new Map<string, string>();
  readonly pulls = new Map<number, FakePull>();
  readonly repos = new Map<string, FakeRepo>();
  readonly installationId = 4242;
  private nextId = 1000;

  private constructor(
    private readonly apps: FastifyInstance[],
    readonly url: string,
    /** Where git is served: `https://127.0.0.1:<port>`. */
    readonly gitUrl: string,
    /** The certificate git's https listener uses: give it to git as GIT_SSL_CAINFO. */
    readonly certFile: string,
    readonly dir: string,
  ) {}

  /** Starts the servers; the OpenAPI description is loaded once per process. */
  static async start(): Promise<FakeGithub> {
    validatorLoad ??= OpenApiValidator.load();
    const validator = await validatorLoad;
    const app = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024 });
    const tls = testCertificate();
    const gitApp = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024, https: { key: tls.key, cert: tls.cert } });
    const dir = mkdtempSync(join(tmpdir(), 'fake-github-'));
    let fake: FakeGithub | undefined;
    gitApp.removeAllContentTypeParsers();
    gitApp.addContentTypeParser(/^application\/x-git-/, { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    gitApp.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    gitApp.all('/*', async (request, reply) => {
      const [rawPath = '', search = ''] = request.url.split('?', 2);
      if (!rawPath.startsWith('/git/')) return reply.code(404).send('');
      return (fake as FakeGithub).serveGit(request, reply, rawPath, search, true);
    });
    // Octokit sends no body for some POSTs; an empty body is "no body", not a JSON error.
    app.removeAllContentTypeParsers();
    // git's smart HTTP bodies are binary.
    app.addContentTypeParser(/^application\/x-git-/, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
      if (body === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body));
      } catch (err) {
        done(err as Error);
      }
    });
    app.all('/*', async (request, reply) => {
      const [rawPath = '', search = ''] = request.url.split('?', 2);
      // git over plain http is recorded but not served (a token must never travel that way).
      if (rawPath.startsWith('/git/')) return (fake as FakeGithub).serveGit(request, reply, rawPath, search, false);
      const path = rawPath.replace(/^\/api\/v3/, '');
      const query = Object.fromEntries(new URLSearchParams(search));
      const body = request.body === undefined || request.body === '' ? undefined : request.body;
      const matched = validator.match(request.method, path, query, body);
      const where = `${request.method} ${path}`;
      if (!matched) {
        fake?.failures.push(`${where}: no such operation in GitHub's API`);
        return reply.code(404).send({ message: 'Not Found' });
      }
      fake?.requests.push({
        method: request.method,
        path,
        url: request.url,
        operationId: matched.operationId,
        body,
        authorization: request.headers.authorization as string | undefined,
      });
      if (matched.problems.length > 0) {
        fake?.failures.push(`${where} (${matched.operationId}): ${matched.problems.join('; ')}`);
        return reply.code(422).send({ message: 'Validation Failed', errors: matched.problems });
      }
      const authorization = request.headers.authorization as string | undefined;
      const answer = (fake as FakeGithub).serve(
        matched.operationId,
        matched.params,
        query,
        body as never,
        authorization,
      );
      if (!answer) {
        fake?.failures.push(`${where} (${matched.operationId}): the fake does not serve it`);
        return reply.code(501).send({ message: 'not served by the fake' });
      }
      return reply.code(answer.status).send(answer.body);
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const gitUrl = await gitApp.listen({ host: '127.0.0.1', port: 0 });
    fake = new FakeGithub([app, gitApp], url, gitUrl, tls.certFile, dir);
    return fake;
  }

  /** Makes an empty bare repository `owner/name` with a first commit holding `files` on the default branch. */
  createRepo(fullName: string, files: Record<string, string>, options: { private?: boolean } = {}): FakeRepo {
    const [owner = '', name = ''] = fullName.split('/');
    const bare = join(this.dir, `${owner}-${name}.git`);
    const work = join(this.dir, `${owner}-${name}-work`);
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    execFileSync('git', ['init', '-q', '-b', 'main', work]);
    const repo: FakeRepo = {
      owner,
      name,
      fullName,
      bare,
      cloneUrl: `${this.gitUrl}/git/${owner}-${name}.git`,
      defaultBranch: 'main',
      private: options.private ?? false,
      commit: (changes, message, ref = 'main') => {
        const git = (...args: string[]) =>
          execFileSync('git', args, { cwd: work, env: GIT_ENV, encoding: 'utf8' }).trim();
        const full = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
        // Start from the ref's commit when there is one, else from main (a new branch or PR head).
        const base = this.resolve(repo, full) ?? this.resolve(repo, 'refs/heads/main');
        if (base) {
          git('fetch', '-q', bare, base);
          git('checkout', '-q', '--detach', base);
        }
        for (const [file, text] of Object.entries(changes)) {
          mkdirSync(dirname(join(work, file)), { recursive: true });
          writeFileSync(join(work, file), text);
        }
        git('add', '-A');
        git('commit', '-q', '--allow-empty', '-m', message);
        const sha = git('rev-parse', 'HEAD');
        git('push', '-q', '-f', bare, `HEAD:${full}`);
        return sha;
      },
    };
    repo.commit(files, 'initial commit');
    this.repos.set(fullName, repo);
    return repo;
  }

  /** The check runs of a commit, in the order they were made. */
  checksOf(sha: string): FakeCheckRun[] {
    return [...this.checkRuns.values()].filter((run) => run.head_sha === sha);
  }

  /** Forgets what was recorded (not the repositories), between tests. */
  reset(): void {
    this.requests.length = 0;
    this.failures.length = 0;
    this.comments.length = 0;
    this.reactions.length = 0;
  }

  async close(): Promise<void> {
    for (const app of this.apps) await app.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * git's smart HTTP for the repositories, through `git http-backend`: a public repository for anyone, a private one
   * for a token minted for it with `contents` (as GitHub takes them: Basic auth with user x-access-token). A token
   * for another repository is refused even for a public one, and recorded as a failure.
   */
  async serveGit(request: Request, reply: Reply, path: string, search: string, https: boolean): Promise<Reply> {
    const auth = String(request.headers.authorization ?? '');
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
    const token = decoded.startsWith('x-access-token:') ? decoded.slice('x-access-token:'.length) : undefined;
    const repo = [...this.repos.values()].find((r) => path.startsWith(`/git/${r.owner}-${r.name}.git/`));
    const host = String(request.headers.host ?? '');
    this.gitRequests.push({ repo: repo?.fullName ?? '', path, host, https, token });
    if (!https) return reply.code(403).send('');
    if (!repo) return reply.code(404).send('');
    if (token !== undefined && !this.tokenAllows(token, repo, 'contents', 'read')) {
      this.failures.push(`git ${request.method} ${path} with a token not minted for ${repo.fullName}`);
      return reply.code(403).send('');
    }
    if (token === undefined && repo.private) {
      return reply.code(401).header('www-authenticate', 'Basic realm="GitHub"').send('');
    }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      GIT_PROJECT_ROOT: this.dir,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: path.slice('/git'.length),
      QUERY_STRING: search,
      REQUEST_METHOD: request.method,
      CONTENT_TYPE: String(request.headers['content-type'] ?? ''),
      REMOTE_USER: 'x-access-token',
    };
    const encoding = request.headers['content-encoding'];
    if (encoding) env.HTTP_CONTENT_ENCODING = String(encoding);
    const protocol = request.headers['git-protocol'];
    if (protocol) env.GIT_PROTOCOL = String(protocol);
    const output = await new Promise<Buffer>((resolve, reject) => {
      const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.on('error', reject);
      child.on('close', () => resolve(Buffer.concat(chunks)));
      child.stdin.end(Buffer.isBuffer(request.body) ? request.body : undefined);
    });
    const split = output.indexOf('\r\n\r\n');
    const head = output.subarray(0, split).toString().split('\r\n');
    let status = 200;
    for (const line of head) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'status') status = Number.parseInt(value, 10);
      else if (name) reply.header(name, value);
    }
    return reply.code(status).send(output.subarray(split + 4));
  }

  private resolve(repo: FakeRepo, ref: string): string | undefined {
    try {
      return execFileSync('git', ['rev-parse', '--verify', '-q', `${ref}^{commit}`], {
        cwd: repo.bare,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  }

  private refExists(repo: FakeRepo, ref: string): boolean {
    try {
      execFileSync('git', ['show-ref', '--verify', '-q', ref], { cwd: repo.bare, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }

  private repoJson(repo: FakeRepo) {
    return {
      id: 1,
      node_id: 'R_1',
      name: repo.name,
      full_name: repo.fullName,
      private: repo.private,
      owner: { login: repo.owner, id: 2, type: 'Organization' },
      default_branch: repo.defaultBranch,
      clone_url: repo.cloneUrl,
      html_url: `https://github.invalid/${repo.fullName}`,
    };
  }

  /** The answer to a valid request, or undefined when the fake does not serve the operation. */
  private serve(
    operationId: string,
    params: Record<string, string>,
    query: Record<string, string>,
    body: Record<string, unknown> | undefined,
    authorization: string | undefined,
  ): { status: number; body: unknown } | undefined {
    const repo = params.owner && params.repo ? this.repos.get(`${params.owner}/${params.repo}`) : undefined;
    const notFound = { status: 404, body: { message: 'Not Found' } };
    const token = authorization?.replace(/^token /, '') ?? '';
    const installationAuth = authorization !== undefined && this.tokens.includes(token);
    if (['repos/', 'git/', 'checks/', 'issues/', 'pulls/', 'reactions/'].some((p) => operationId.startsWith(p))) {
      if (!installationAuth) {
        this.failures.push(`${operationId} without an installation token (${authorization ?? 'no Authorization'})`);
        return { status: 401, body: { message: 'Bad credentials' } };
      }
      const [permission, level] = PERMISSION_OF[operationId] ?? ['metadata', 'read'];
      if (repo && !this.tokenAllows(token, repo, permission, level)) {
        this.failures.push(`${operationId} on ${repo.fullName} with a token without ${permission}: ${level} for it`);
        return { status: 403, body: { message: 'Resource not accessible by integration' } };
      }
    }
    switch (operationId) {
      case 'apps/create-installation-access-token': {
        if (!authorization?.startsWith('bearer ') && !authorization?.startsWith('Bearer ')) {
          this.failures.push('access token asked without the app JWT');
          return { status: 401, body: { message: 'A JSON web token could not be decoded' } };
        }
        // Least privilege: every token names what it is for (the hub's repository, a run's repository).
        const repositories = body?.repositories;
        const permissions = body?.permissions;
        if (
          !Array.isArray(repositories) ||
          repositories.length === 0 ||
          typeof permissions !== 'object' ||
          permissions === null ||
          Object.keys(permissions).length === 0
        ) {
          this.failures.push(
            `installation token asked without naming repositories and permissions: ${JSON.stringify(body ?? {})}`,
          );
          return { status: 422, body: { message: 'name the repositories and the permissions the token is for' } };
        }
        const minted = `ghs_${randomBytes(18).toString('hex')}`;
        this.tokens.push(minted);
        this.tokenScopes.set(minted, {
          repositories: repositories.map(String),
          permissions: permissions as Record<string, string>,
        });
        return {
          status: 201,
          body: {
            token: minted,
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            permissions,
            repository_selection: 'selected',
            repositories: repositories.map((name, i) => ({ id: i + 1, name: String(name) })),
          },
        };
      }
      case 'apps/list-installations':
        return { status: 200, body: [{ id: this.installationId, account: { login: 'acme' }, app_id: 1 }] };
      case 'apps/list-repos-accessible-to-installation': {
        const repositories = [...this.repos.values()].map((r) => this.repoJson(r));
        return { status: 200, body: { total_count: repositories.length, repositories } };
      }
      case 'repos/get':
        return repo ? { status: 200, body: this.repoJson(repo) } : notFound;
      case 'repos/compare-commits-with-basehead': {
        const [base = '', head = ''] = (params.basehead ?? '').split('...');
        const baseSha = repo && this.resolve(repo, base);
        const headSha = repo && this.resolve(repo, head);
        if (!repo || !baseSha || !headSha) return notFound;
        const ancestor = (a: string, b: string) => {
          try {
            execFileSync('git', ['merge-base', '--is-ancestor', a, b], { cwd: repo.bare, stdio: 'ignore' });
            return true;
          } catch {
            return false;
          }
        };
        const status =
          baseSha === headSha
            ? 'identical'
            : ancestor(headSha, baseSha)
              ? 'behind'
              : ancestor(baseSha, headSha)
                ? 'ahead'
                : 'diverged';
        return { status: 200, body: { status, ahead_by: 0, behind_by: 0, total_commits: 0, commits: [], files: [] } };
      }
      case 'repos/get-commit': {
        const sha = repo && this.resolve(repo, params.ref ?? '');
        return sha ? { status: 200, body: { sha, commit: { message: '' } } } : notFound;
      }
      case 'git/get-ref': {
        // Exact refs only, as GitHub answers this route: `heads/main`, `tags/v1`.
        const ref = `refs/${params.ref ?? ''}`;
        const sha = repo && this.resolve(repo, ref);
        if (!sha || !this.refExists(repo, ref)) return notFound;
        return {
          status: 200,
          body: {
            ref,
            node_id: 'REF_1',
            url: `${this.url}/repos/${repo.fullName}/git/${ref}`,
            object: { sha, type: 'commit', url: `${this.url}/repos/${repo.fullName}/git/commits/${sha}` },
          },
        };
      }
      case 'repos/get-content': {
        if (!repo) return notFound;
        const sha = this.resolve(repo, query.ref ?? repo.defaultBranch);
        if (!sha) return notFound;
        try {
          const text = execFileSync('git', ['show', `${sha}:${params.path}`], {
            cwd: repo.bare,
            stdio: ['ignore', 'pipe', 'ignore'],
          });
          return {
            status: 200,
            body: {
              type: 'file',
              encoding: 'base64',
              content: text.toString('base64'),
              name: params.path,
              path: params.path,
              size: text.length,
              sha,
            },
          };
        } catch {
          return notFound;
        }
      }
      case 'repos/get-collaborator-permission-level': {
        const permission = this.permissions.get(params.username ?? '') ?? 'none';
        const legacy = permission === 'maintain' ? 'write' : permission === 'triage' ? 'read' : permission;
        return {
          status: 200,
          body: { permission: legacy, role_name: permission, user: { login: params.username } },
        };
      }
      case 'pulls/get': {
        const pr = this.pulls.get(Number(params.pull_number));
        if (!repo || !pr) return notFound;
        return {
          status: 200,
          body: {
            number: pr.number,
            state: 'open',
            head: {
              sha: pr.headSha,
              ref: pr.headRef,
              repo: pr.fork
                ? { full_name: `someone/${repo.name}`, clone_url: `${this.gitUrl}/git/someone-${repo.name}.git` }
                : { full_name: repo.fullName, clone_url: repo.cloneUrl },
            },
            base: { sha: this.resolve(repo, 'refs/heads/main'), ref: pr.baseRef, repo: this.repoJson(repo) },
          },
        };
      }
      case 'reactions/create-for-issue-comment':
        this.reactions.push({ commentId: Number(params.comment_id), content: String(body?.content) });
        return { status: 201, body: { id: this.nextId++, content: body?.content } };
      case 'issues/create-comment':
        this.comments.push({ issue: Number(params.issue_number), body: String(body?.body) });
        return { status: 201, body: { id: this.nextId++, body: body?.body } };
      case 'checks/create': {
        if (!body) return undefined;
        const run: FakeCheckRun = {
          id: this.nextId++,
          name: String(body.name),
          head_sha: String(body.head_sha),
          statuses: [String(body.status ?? 'queued')],
          annotations: [],
        };
        if (typeof body.external_id === 'string') run.external_id = body.external_id;
        this.applyCheck(run, body);
        this.checkRuns.set(run.id, run);
        return {
          status: 201,
          body: { id: run.id, name: run.name, head_sha: run.head_sha, status: run.statuses.at(-1) },
        };
      }
      case 'checks/update': {
        const run = this.checkRuns.get(Number(params.check_run_id));
        if (!run || !body) return notFound;
        if (typeof body.status === 'string') run.statuses.push(body.status);
        this.applyCheck(run, body);
        return { status: 200, body: { id: run.id, name: run.name, status: run.statuses.at(-1) } };
      }
      default:
        return undefined;
    }
  }

  /** Whether `token` was minted for `repo` with `permission` at `level` or above (metadata: any token for it). */
  tokenAllows(token: string, repo: FakeRepo, permission: string, level: 'read' | 'write'): boolean {
    const scope = this.tokenScopes.get(token);
    if (!scope?.repositories.includes(repo.name)) return false;
    if (permission === 'metadata') return true;
    const granted = scope.permissions[permission];
    return granted === 'write' || granted === level;
  }

  private applyCheck(run: FakeCheckRun, body: Record<string, unknown>) {
    if (typeof body.conclusion === 'string') run.conclusion = body.conclusion;
    const output = body.output as FakeCheckRun['output'];
    if (output) {
      run.output = output;
      run.annotations.push(...(output.annotations ?? []));
    }
  }
}

/** The permission (and level) GitHub wants of an installation token for each operation the fake serves. */
const PERMISSION_OF: Record<string, [string, 'read' | 'write']> = {
  'repos/get': ['metadata', 'read'],
  'repos/get-collaborator-permission-level': ['metadata', 'read'],
  'repos/get-commit': ['contents', 'read'],
  'repos/get-content': ['contents', 'read'],
  'repos/compare-commits-with-basehead': ['contents', 'read'],
  'git/get-ref': ['contents', 'read'],
  'checks/create': ['checks', 'write'],
  'checks/update': ['checks', 'write'],
  'issues/create-comment': ['issues', 'write'],
  'reactions/create-for-issue-comment': ['issues', 'write'],
  'pulls/get': ['pull_requests', 'read'],
};

// ---------------------------------------------------------------------------------------------------------------
// Webhooks

type Examples = { name: string; examples: Record<string, unknown>[] }[];
let examples: Examples | undefined;

/** A real example payload of `event` (with `action` when given), deep-copied. */
export function examplePayload(event: string, action?: string): Record<string, unknown> {
  examples ??= createRequire(import.meta.url)('@octokit/webhooks-examples') as Examples;
  const found = examples
    .find((e) => e.name === event)
    ?.examples.find((payload) => action === undefined || payload.action === action);
  if (!found) throw new Error(`no example payload for ${event}${action ? `.${action}` : ''}`);
  return structuredClone(found);
}

export type Delivery = { id: string; event: string; payload: unknown };

/** POSTs a webhook as GitHub does: the JSON body signed with the secret (X-Hub-Signature-256). */
export async function deliver(
  hubUrl: string,
  secret: string,
  delivery: Delivery,
  options: { signWith?: string } = {},
): Promise<Response> {
  const body = JSON.stringify(delivery.payload);
  return fetch(`${hubUrl}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/fake',
      'x-github-event': delivery.event,
      'x-github-delivery': delivery.id,
      'x-github-hook-id': '1',
      'x-hub-signature-256': await sign(options.signWith ?? secret, body),
    },
    body,
  });
}
