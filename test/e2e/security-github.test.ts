// Attacks on trust and tokens through the product's real surfaces (docs/security.md): webhooks signed as GitHub
// signs them, the fake GitHub (which holds every token to its scope and serves git over https), the hub's HTTP API,
// and a real runner executing what a fork's FLOE.yaml says. Each attack must fail:
// - a fork's run, and every way of running it again (`/floe retry`, GitHub's Re-run, the API's retry whole and from
//   a node), gets no secret;
// - a fork cannot claim host tags, reach the runner's loopback services, check out other repositories, or read
//   the runner's environment;
// - the run's GitHub token is minted for one repository with `contents: read`, reaches git only, never a task's
//   environment or `.git/config`, never another host, never plain http; a public repository's untrusted run clones
//   without one;
// - an operator starting `refs/pull/N/head` through the API gets an untrusted run.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeGithub, type FakeRepo } from '../github/fake-github.js';
import { eventually, type GithubHarness, startGithubHarness } from '../github/github-harness.js';
import { checkRunRerequestedEvent, prCommentEvent, pullRequestEvent, pushEvent } from '../github/webhook-payloads.js';

const SECRET = 'deploy-Q7vX-secret-value';
/** The probe's tasks: show what the run got (secret, HOME, environment, the checkout's git config). */
const PROBE = `    env: {DEPLOY: "{{secret.DEPLOY_TOKEN}}"}
    tasks:
      - {id: checkout, type: git-checkout, listen: trigger.good, opts: {sub-dir: src}}
      - id: show
        type: exec
        listen: task.checkout.good
        opts:
          shell: |
            echo "deploy=[$DEPLOY]"
            echo "home=$HOME"
            env | sort
            cat src/.git/config
`;
const BASE = `flows:
  - id: probe
    host-tags: [linux]
    triggers: [{id: push, type: push}, {id: comment, type: comment}]
${PROBE}`;

/** What a fork puts in its pull request: the same flow, asking for more. */
function forkFlow(fake: FakeGithub, other: FakeRepo): string {
  return `flows:
  - id: probe
    host-tags: [deploy]
    reuse-space: true
    triggers: [{id: comment, type: comment}]
${PROBE}      - {id: steal, type: git-checkout, listen: task.show.good, ignore-fail: true, opts: {url: "${other.cloneUrl}", sub-dir: other}}
      - {id: metadata, type: fetch, listen: task.show.good, ignore-fail: true, opts: {url: "${fake.url}/repos/acme/widgets"}}
`;
}

let fake: FakeGithub;
let h: GithubHarness;
let widgets: FakeRepo;
let vault: FakeRepo;
let operator: string;
let delivery = 0;

beforeAll(async () => {
  fake = await FakeGithub.start();
  widgets = fake.createRepo('acme/widgets', { 'FLOE.yaml': BASE, 'README.md': 'widgets\n' });
  vault = fake.createRepo('acme/vault', { 'FLOE.yaml': BASE, 'README.md': 'vault\n' }, { private: true });
  h = await startGithubHarness(fake, { runnerTags: ['linux'] });
  operator = await h.hub.createToken('op', 'operator', { name: 'admin', role: 'admin' });
  const admin = await h.hub.createToken('adm', 'admin', { name: 'admin', role: 'admin' });
  const put = await api('PUT', '/api/secrets/DEPLOY_TOKEN', admin, { value: SECRET });
  expect(put.status).toBe(200);
  fake.permissions.set('wendy', 'write');
  fake.permissions.set('rita', 'read');
}, 60_000);
afterAll(async () => {
  await h?.close();
  await fake?.close();
});
afterEach(() => {
  expect(fake.failures).toEqual([]);
  fake.reset();
});

async function api(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${h.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json().catch(() => undefined)) as Record<string, unknown> };
}

async function deliver(event: string, payload: unknown) {
  const response = await h.deliver({ id: `sec-${++delivery}`, event, payload });
  expect(response.status).toBe(200);
}

/** Opens pull request `number` from a fork whose head commit holds `files` (on no branch of the base). */
function forkPull(repo: FakeRepo, number: number, files: Record<string, string>) {
  const headSha = repo.commit(files, `pull ${number}`, `refs/pull/${number}/head`);
  fake.pulls.set(number, { number, headSha, headRef: 'topic', baseRef: 'main', fork: true });
  return headSha;
}

/** The run, once archived, with each node's log. */
async function finished(runId: string) {
  const run = await eventually(async () => {
    const r = await h.hub.store.getRun(runId);
    return r?.state === 'archived' && r;
  }, 30_000);
  const logs: Record<string, string> = {};
  for (const node of run.flow.tasks) {
    logs[node.id] = (await h.hub.store.readLog(runId, node.id)).chunks.map((c) => c.text).join('');
  }
  return { run, logs, all: Object.values(logs).join('\n'), view: await h.hub.run(runId) };
}

async function runsOf(repo: FakeRepo, sha: string) {
  return (await h.hub.store.listRuns({ repo: repo.fullName, limit: 500 })).runs.filter((r) => r.sha === sha);
}

/** No token the fake minted appears in `text`. */
function expectNoToken(text: string) {
  for (const token of fake.tokens) expect(text).not.toContain(token);
}

describe("a fork's pull request", () => {
  let firstRunId: string;

  it('runs nothing until a writer asks, and nothing for a reader', async () => {
    const headSha = forkPull(widgets, 21, { 'FLOE.yaml': forkFlow(fake, vault) });
    await deliver(
      'pull_request',
      pullRequestEvent(fake, widgets, { action: 'opened', number: 21, headSha, fork: true }),
    );
    await deliver(
      'issue_comment',
      prCommentEvent(fake, widgets, { number: 21, body: '/floe run probe', login: 'rita' }),
    );
    await h.hub.settled();
    expect(await runsOf(widgets, headSha)).toEqual([]);
  });

  it("runs untrusted when a writer asks: no secret, the base's tags, no other repository, no loopback, no runner env", async () => {
    const headSha = fake.pulls.get(21)?.headSha as string;
    fake.gitRequests.length = 0;
    await deliver(
      'issue_comment',
      prCommentEvent(fake, widgets, { number: 21, body: '/floe run probe', login: 'wendy' }),
    );
    const [run] = await runsOf(widgets, headSha);
    firstRunId = run?.id as string;
    // The fork asked for `host-tags: [deploy]`; the only runner has `linux` (the base's): the run still ran there.
    const { view, logs, all } = await finished(firstRunId);
    expect(view.trust).toBe('untrusted');
    expect(logs.show).toContain('deploy=[]');
    expect(all).not.toContain(SECRET);
    expect(logs.show).not.toMatch(/GIT_SSL_CAINFO|VITEST|NODE_OPTIONS/);
    expect(logs.show).toMatch(/home=\S+\.home\n/);
    const reason = (node: string) => view.nodes.find((n) => n.id === node)?.reason ?? '';
    expect(reason('steal')).toContain('an untrusted run checks out only its own repositories');
    expect(reason('metadata')).toMatch(/127\.0\.0\.1 is not a public address/);
    // A public repository: the untrusted run cloned without any token.
    const cloned = fake.gitRequests.filter((r) => r.repo === widgets.fullName);
    expect(cloned.length).toBeGreaterThan(0);
    expect(cloned.map((r) => r.token)).toEqual(cloned.map(() => undefined));
    expect(fake.gitRequests.filter((r) => r.repo === vault.fullName)).toEqual([]);
    expectNoToken(all);
  });

  it('stays untrusted, without secrets, however it is run again', async () => {
    const headSha = fake.pulls.get(21)?.headSha as string;
    const check = await eventually(() => fake.checksOf(headSha).find((c) => c.conclusion !== undefined));
    const again: string[] = [];
    const newest = async () => (await runsOf(widgets, headSha))[0]?.id as string;
    // /floe retry
    await deliver('issue_comment', prCommentEvent(fake, widgets, { number: 21, body: '/floe retry', login: 'wendy' }));
    again.push(await newest());
    await finished(again.at(-1) as string);
    // GitHub's "Re-run" of the check run
    await deliver(
      'check_run',
      checkRunRerequestedEvent(fake, widgets, { id: check.id, externalId: firstRunId, headSha, name: check.name }),
    );
    again.push(await eventually(async () => ((await newest()) !== again.at(-1) ? await newest() : undefined)));
    await finished(again.at(-1) as string);
    // The API: whole, then from a node
    for (const body of [{}, { from: 'show' }]) {
      const answer = await api('POST', `/api/runs/${firstRunId}/retry`, operator, body);
      expect(answer.status).toBe(201);
      again.push(answer.json.runId as string);
      await finished(again.at(-1) as string);
    }
    expect(new Set(again).size).toBe(4);
    for (const runId of again) {
      const { view, logs, all } = await finished(runId);
      expect(view.trust, runId).toBe('untrusted');
      expect(view.retryOf).toBe(firstRunId);
      expect(all).not.toContain(SECRET);
      if (logs.show) expect(logs.show).toContain('deploy=[]');
    }
  });
});

describe('the GitHub token of a run', () => {
  it('is minted for the one repository with contents: read, reaches git only, and no task or .git/config', async () => {
    fake.gitRequests.length = 0;
    const sha = widgets.commit({ 'README.md': 'trusted\n' }, 'trusted push', 'main');
    const before = fake.tokens.length;
    await deliver('push', pushEvent(fake, widgets, { ref: 'refs/heads/main', after: sha, message: 'trusted push' }));
    const [run] = await runsOf(widgets, sha);
    const { view, logs, all } = await finished(run?.id as string);
    expect(view.trust).toBe('trusted');
    // A trusted run gets its secret (masked in the log): the untrusted runs above did not.
    expect(logs.show).toContain('deploy=[***]');
    const used = fake.gitRequests.filter((r) => r.token !== undefined);
    expect(used.length).toBeGreaterThan(0);
    for (const request of used) {
      expect(fake.tokenScopes.get(request.token as string)).toEqual({
        repositories: ['widgets'],
        permissions: { contents: 'read' },
      });
      expect(request.https).toBe(true);
    }
    // Minted for this run: none of the tokens the hub held before.
    expect(fake.tokens.slice(0, before)).not.toContain(used[0]?.token);
    expect(logs.show).toContain('[remote "origin"]');
    expectNoToken(all);
    expectNoToken(h.logText());
    expectNoToken(JSON.stringify(view));
  });

  it('is never asked for without naming repositories and permissions, even for the hub itself', () => {
    expect(fake.tokens.length).toBeGreaterThan(0);
    for (const token of fake.tokens) expect(fake.tokenScopes.get(token)?.repositories).toHaveLength(1);
    const hubTokens = [...fake.tokenScopes.values()].filter((scope) => scope.permissions.checks !== undefined);
    expect(hubTokens.length).toBeGreaterThan(0);
  });

  it('goes to no other host and never over plain http, even when a writer points a checkout there', async () => {
    const port = new URL(fake.gitUrl).port;
    const elsewhere = `https://localhost:${port}/git/acme-widgets.git`;
    const plain = `${fake.url}/git/acme-widgets.git`;
    const flow = BASE.replace(
      '      - id: show',
      `      - {id: other-host, type: git-checkout, listen: task.checkout.good, ignore-fail: true, opts: {url: "${elsewhere}", sub-dir: a}}
      - {id: plain-http, type: git-checkout, listen: task.checkout.good, ignore-fail: true, opts: {url: "${plain}", sub-dir: b}}
      - id: show`,
    );
    const sha = widgets.commit({ 'FLOE.yaml': flow }, 'point elsewhere', 'elsewhere');
    fake.gitRequests.length = 0;
    await deliver('push', pushEvent(fake, widgets, { ref: 'refs/heads/elsewhere', after: sha, message: 'x' }));
    const [run] = await runsOf(widgets, sha);
    await finished(run?.id as string);
    const toLocalhost = fake.gitRequests.filter((r) => r.host.startsWith('localhost'));
    const overHttp = fake.gitRequests.filter((r) => !r.https);
    expect(toLocalhost.length).toBeGreaterThan(0);
    expect(overHttp.length).toBeGreaterThan(0);
    expect([...toLocalhost, ...overHttp].map((r) => r.token)).toEqual(
      [...toLocalhost, ...overHttp].map(() => undefined),
    );
    // The run's own checkout did carry it.
    expect(fake.gitRequests.some((r) => r.host.startsWith('127.0.0.1') && r.https && r.token !== undefined)).toBe(true);
  });

  it("goes to git alone in a private repository's untrusted run", async () => {
    const headSha = forkPull(vault, 31, { 'FLOE.yaml': forkFlow(fake, widgets) });
    fake.gitRequests.length = 0;
    await deliver(
      'issue_comment',
      prCommentEvent(fake, vault, { number: 31, body: '/floe run probe', login: 'wendy' }),
    );
    const [run] = await runsOf(vault, headSha);
    const { view, logs, all } = await finished(run?.id as string);
    expect(view.trust).toBe('untrusted');
    expect(logs.show).toContain('deploy=[]');
    expect(logs.show).toContain('vault');
    const cloned = fake.gitRequests.filter((r) => r.repo === vault.fullName && r.token !== undefined);
    expect(cloned.length).toBeGreaterThan(0);
    expect(fake.tokenScopes.get(cloned[0]?.token as string)).toEqual({
      repositories: ['vault'],
      permissions: { contents: 'read' },
    });
    expect(view.nodes.find((n) => n.id === 'steal')?.reason).toContain('checks out only its own repositories');
    expectNoToken(all);
  });
});

describe('an operator starting a pull request ref', () => {
  it('gets an untrusted run through the API, without secrets', async () => {
    const headSha = forkPull(widgets, 41, { 'FLOE.yaml': BASE, 'README.md': 'forty-one\n' });
    for (const ref of ['refs/pull/41/head', 'pull/41/head', headSha]) {
      const started = await api('POST', '/api/flows/probe/runs', operator, { repo: widgets.fullName, ref });
      expect(started.status, ref).toBe(201);
      const { view, logs, all } = await finished(started.json.runId as string);
      expect(view.trust, ref).toBe('untrusted');
      expect(view.sha).toBe(headSha);
      expect(logs.show).toContain('deploy=[]');
      expect(all).not.toContain(SECRET);
    }
  });
});
