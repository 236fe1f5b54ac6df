// The 401/403 matrix over EVERY route the hub serves (docs/security.md "Who is involved"), against the real server
// (build-server.ts with the runner gateway and the GitHub App mounted) on a real port. The routes come from the
// server itself (registeredRoutes: Fastify's onRoute hook), not from a list kept here: a route added without a row
// below fails the first test, and a row whose route is gone fails it too.
//
// Each row says who may call the route: an API role (no token and a wrong token get 401, every lower role 403, the
// role itself gets through), or why the route takes no API token and how it checks its callers instead (runners,
// GitHub's signature, the live API's first message), which the row then tries with bad credentials.
import { PROTOCOL_VERSION, type Role } from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { registeredRoutes } from '../../github-app/src/build-server.js';
import { FakeGithub, type FakeRepo } from '../github/fake-github.js';
import { eventually, type GithubHarness, startGithubHarness } from '../github/github-harness.js';
import { pushEvent } from '../github/webhook-payloads.js';

const FLOE_YAML = `flows:
  - id: build
    triggers: [{id: push, type: push}]
    tasks:
      - id: ask
        type: data
        listen: trigger.good
        opts: {form: {fields: [{id: ok, type: bool}]}}
`;

const ROLES: Role[] = ['viewer', 'operator', 'admin'];
type Ids = { runId: string };
type Call = { path: string; body?: unknown };
type Row =
  /** An API route: the least role it needs, and a call to make (path with its parameters filled). */
  | { role: Role; call: (ids: Ids) => Call }
  /** Not an API-token route: why, and a check that its own guard refuses bad callers. */
  | { exempt: string; check: (ids: Ids) => Promise<void> };

let fake: FakeGithub;
let repo: FakeRepo;
let h: GithubHarness;
let ids: Ids;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  fake = await FakeGithub.start();
  repo = fake.createRepo('acme/widgets', { 'FLOE.yaml': FLOE_YAML });
  h = await startGithubHarness(fake);
  for (const role of ROLES)
    tokens[role] = await h.hub.createToken(`${role}-user`, role, { name: 'admin', role: 'admin' });
  const sha = repo.commit({ 'README.md': 'x\n' }, 'x', 'main');
  await h.deliver({
    id: 'd1',
    event: 'push',
    payload: pushEvent(fake, repo, { ref: 'refs/heads/main', after: sha, message: 'x' }),
  });
  const run = await eventually(async () => (await h.hub.store.listRuns({ repo: repo.fullName })).runs[0]);
  ids = { runId: run.id };
}, 60_000);
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

async function call(method: string, path: string, token: string | undefined, body?: unknown) {
  const response = await fetch(`${h.url}${path}`, {
    method,
    headers: {
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, text };
}

/**
 * The runner's artifact routes take a runner credential, not an API token: an admin API token, a made-up
 * credential and none are all refused 401, before anything of the run is read or written.
 */
function runnerArtifactRows(): Record<string, Row> {
  const exempt =
    'runners upload and fetch artifacts with their own credential (DESIGN §8 "Artifacts"), fenced by the run\'s epoch';
  const refused = (method: string, path: (ids: Ids) => string, body?: unknown) => async (ids: Ids) => {
    for (const token of [undefined, 'floe_not-a-credential', tokens.admin]) {
      const answer = await call(method, path(ids), token, body);
      expect(answer.status, `${method} ${path(ids)} with ${token ?? 'nothing'}`).toBe(401);
    }
  };
  return {
    'POST /api/runners/runs/:runId/artifacts': {
      exempt,
      check: refused('POST', ({ runId }) => `/api/runners/runs/${runId}/artifacts`, {
        epoch: 1,
        node: 'ask',
        name: 'x',
        files: [],
      }),
    },
    'PUT /api/runners/runs/:runId/blobs/:blobId': {
      exempt,
      check: refused(
        'PUT',
        ({ runId }) => `/api/runners/runs/${runId}/blobs/00000000-0000-0000-0000-000000000000?epoch=1`,
      ),
    },
    'DELETE /api/runners/runs/:runId/artifacts/:artifactId': {
      exempt,
      check: refused('DELETE', ({ runId }) => `/api/runners/runs/${runId}/artifacts/x?epoch=1`),
    },
    'GET /api/runners/runs/:runId/artifact-source': {
      exempt,
      check: refused('GET', ({ runId }) => `/api/runners/runs/${runId}/artifact-source?epoch=1&flow=build&name=x`),
    },
    'GET /api/runners/runs/:runId/sources/:artifactId/blobs/:blobId': {
      exempt,
      check: refused('GET', ({ runId }) => `/api/runners/runs/${runId}/sources/a/blobs/b?epoch=1`),
    },
    // Shared task caches (docs/api.md "The runners' cache routes — runner credential") keep the artifacts' rules.
    'GET /api/runners/runs/:runId/caches': {
      exempt,
      check: refused('GET', ({ runId }) => `/api/runners/runs/${runId}/caches?epoch=1&key=k`),
    },
    'GET /api/runners/runs/:runId/caches/:blobId': {
      exempt,
      check: refused(
        'GET',
        ({ runId }) => `/api/runners/runs/${runId}/caches/00000000-0000-0000-0000-000000000000?epoch=1`,
      ),
    },
    'PUT /api/runners/runs/:runId/caches': {
      exempt,
      check: refused('PUT', ({ runId }) => `/api/runners/runs/${runId}/caches?epoch=1&key=k`),
    },
  };
}

/** Opens a WebSocket; resolves with its first message, its close code, or the HTTP status that refused it. */
function socket(
  path: string,
  options: { headers?: Record<string, string>; send?: unknown[]; messages?: number } = {},
): Promise<{ status?: number; close?: number; messages: unknown[] }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}${path}`, { headers: options.headers ?? {} });
    const messages: unknown[] = [];
    ws.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode, messages });
      ws.terminate();
    });
    ws.on('open', () => {
      for (const message of options.send ?? []) ws.send(JSON.stringify(message));
    });
    ws.on('message', (data) => {
      messages.push(JSON.parse(String(data)));
      if (messages.length >= (options.messages ?? 2)) ws.close();
    });
    ws.on('close', (code) => resolve({ close: code, messages }));
    ws.on('error', () => {});
  });
}

const MATRIX: Record<string, Row> = {
  'GET /api/me': { role: 'viewer', call: () => ({ path: '/api/me' }) },
  'GET /api/flows': { role: 'viewer', call: () => ({ path: '/api/flows' }) },
  'GET /api/flows/:flowId/flaky-tests': { role: 'viewer', call: () => ({ path: '/api/flows/build/flaky-tests' }) },
  'POST /api/flows/:flowId/runs': { role: 'operator', call: () => ({ path: '/api/flows/build/runs', body: {} }) },
  'GET /api/flows/:flowId/trends': { role: 'viewer', call: () => ({ path: '/api/flows/build/trends' }) },
  'GET /api/flows/:flowId/deliveries': { role: 'viewer', call: () => ({ path: '/api/flows/build/deliveries' }) },
  // A hub without --public-badges (this one): a badge is the API's, read with a viewer token.
  'GET /badge/:owner/:name/:file': { role: 'viewer', call: () => ({ path: '/badge/acme/widgets/build.svg' }) },
  'GET /badge/:name/:file': { role: 'viewer', call: () => ({ path: '/badge/widgets/build.svg' }) },
  'GET /api/runs': { role: 'viewer', call: () => ({ path: '/api/runs' }) },
  'GET /api/runs/:runId': { role: 'viewer', call: ({ runId }) => ({ path: `/api/runs/${runId}` }) },
  'GET /api/runs/:runId/logs': { role: 'viewer', call: ({ runId }) => ({ path: `/api/runs/${runId}/logs?node=ask` }) },
  'POST /api/runs/:runId/cancel': {
    role: 'operator',
    call: ({ runId }) => ({ path: `/api/runs/${runId}/cancel`, body: {} }),
  },
  'POST /api/runs/:runId/retry': {
    role: 'operator',
    call: ({ runId }) => ({ path: `/api/runs/${runId}/retry`, body: {} }),
  },
  'POST /api/runs/:runId/nodes/:nodeId/data': {
    role: 'operator',
    call: ({ runId }) => ({ path: `/api/runs/${runId}/nodes/ask/data`, body: { values: { ok: true } } }),
  },
  'GET /api/runs/:runId/artifacts': { role: 'viewer', call: ({ runId }) => ({ path: `/api/runs/${runId}/artifacts` }) },
  'GET /api/runs/:runId/artifacts/:name': {
    role: 'viewer',
    call: ({ runId }) => ({ path: `/api/runs/${runId}/artifacts/none` }),
  },
  ...runnerArtifactRows(),
  'GET /api/runners': { role: 'viewer', call: () => ({ path: '/api/runners' }) },
  'POST /api/runners/tokens': { role: 'admin', call: () => ({ path: '/api/runners/tokens', body: {} }) },
  'POST /api/tokens': { role: 'admin', call: () => ({ path: '/api/tokens', body: { name: 'made', role: 'viewer' } }) },
  'GET /api/tokens': { role: 'admin', call: () => ({ path: '/api/tokens' }) },
  'DELETE /api/tokens/:name': { role: 'admin', call: () => ({ path: '/api/tokens/no-such-token' }) },
  'POST /api/tokens/admin/rotate': {
    role: 'admin',
    call: () => ({ path: '/api/tokens/admin/rotate', body: { graceSeconds: 3600 } }),
  },
  'DELETE /api/runners/:name': { role: 'admin', call: () => ({ path: '/api/runners/no-such-runner' }) },
  'POST /api/runners/:name/drain': {
    role: 'operator',
    call: () => ({ path: '/api/runners/no-such-runner/drain', body: {} }),
  },
  'POST /api/runners/:name/undrain': {
    role: 'operator',
    call: () => ({ path: '/api/runners/no-such-runner/undrain', body: {} }),
  },
  'GET /api/audit': { role: 'admin', call: () => ({ path: '/api/audit' }) },
  // Runner names and the load of every repository; `--metrics-public` opens it (routes/metrics-route.test.ts).
  'GET /metrics': { role: 'viewer', call: () => ({ path: '/metrics' }) },
  'GET /api/secrets': { role: 'viewer', call: () => ({ path: '/api/secrets' }) },
  'PUT /api/secrets/:name': {
    role: 'admin',
    call: () => ({ path: '/api/secrets/MATRIX', body: { value: 'matrix-value' } }),
  },
  'DELETE /api/secrets/:name': { role: 'admin', call: () => ({ path: '/api/secrets/MATRIX' }) },
  'GET /api/live': {
    exempt:
      'browsers cannot set headers on a WebSocket: a bad header is refused at the upgrade, else the first message must authenticate',
    check: async () => {
      expect((await socket('/api/live', { headers: { authorization: 'Bearer floe_not-a-token' } })).status).toBe(401);
      const bad = await socket('/api/live', { send: [{ type: 'auth', token: 'floe_not-a-token' }] });
      expect(bad.close).toBe(4401);
      // Nothing answered before authenticating: a subscription without auth gets an error, not data.
      const unauth = await socket('/api/live', {
        send: [{ type: 'subscribe', sub: 's', topic: { topic: 'runners' } }],
        messages: 1,
      });
      expect(unauth.messages[0]).toMatchObject({ type: 'error' });
      expect(JSON.stringify(unauth.messages)).not.toContain('"type":"runners"');
      const viewer = await socket('/api/live', {
        send: [
          { type: 'auth', token: tokens.viewer },
          { type: 'subscribe', sub: 's', topic: { topic: 'runners' } },
        ],
      });
      expect(viewer.messages[0]).toMatchObject({ type: 'authenticated', role: 'viewer' });
    },
  },
  'GET /healthz': {
    exempt: 'liveness for load balancers: says only that the hub is up, and its version',
    check: async () => {
      const answer = await call('GET', '/healthz', undefined);
      expect(answer.status).toBe(200);
      expect(Object.keys(JSON.parse(answer.text)).sort()).toEqual(['ok', 'problems', 'version']);
    },
  },
  'GET /readyz': {
    exempt: 'readiness for load balancers: says only whether the hub can do its work, and what keeps it from it',
    check: async () => {
      const answer = await call('GET', '/readyz', undefined);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ ready: true, problems: [] });
    },
  },
  'GET /*': {
    exempt: "the dashboard's static files (it signs in with a token itself); never the API below /api",
    check: async () => {
      expect([200, 503]).toContain((await call('GET', '/', undefined)).status);
      for (const path of ['/api/runs', '/api/secrets', '/api/me', '/api/runs/', '/api/runs?x=/..']) {
        expect((await call('GET', path, undefined)).status, path).toBe(401);
      }
      // Odd spellings of API paths reach no data either: a refusal, a 404, or the dashboard's page.
      for (const path of ['/api//runs', '/api/runs/../secrets', '/API/secrets', '/api/%2e%2e/api/secrets']) {
        const answer = await call('GET', path, undefined);
        expect([200, 401, 404, 503], path).toContain(answer.status);
        expect(answer.text, path).not.toMatch(/"(secrets|runs|runners|name)":/);
      }
      expect((await call('GET', '/api/no-such-route', undefined)).status).toBe(404);
    },
  },
  'POST /api/runners/register': {
    exempt: 'runners register with a one-time registration token (an admin makes one), not an API token',
    check: async () => {
      for (const token of ['floe_not-a-token', tokens.admin]) {
        const answer = await call('POST', '/api/runners/register', undefined, { token, name: 'intruder' });
        expect(answer.status).toBe(401);
        expect(answer.text).not.toContain('credential');
      }
    },
  },
  'GET /api/runners/connect': {
    exempt: 'runners connect with the credential they registered, sent in their hello',
    check: async () => {
      const hello = {
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        credential: tokens.admin,
        name: 'x',
        tags: [],
        slots: 1,
        version: '0',
        runs: [],
      };
      const refused = await socket('/api/runners/connect', { send: [hello] });
      expect(refused.messages[0]).toMatchObject({ type: 'refused', code: 'bad-credential' });
      expect(refused.close).toBe(1008);
    },
  },
  'POST /api/github/webhooks': {
    exempt: 'GitHub signs every delivery with the webhook secret (X-Hub-Signature-256), checked by Probot',
    check: async () => {
      const sha = repo.commit({ 'README.md': 'forged\n' }, 'forged', 'forged');
      const payload = pushEvent(fake, repo, { ref: 'refs/heads/forged', after: sha, message: 'forged' });
      const forged = await h.deliver({ id: 'forged-1', event: 'push', payload }, { signWith: 'not-the-secret' });
      expect(forged.status).toBe(400);
      const unsigned = await fetch(`${h.url}/api/github/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'forged-2' },
        body: JSON.stringify(payload),
      });
      expect(unsigned.status).toBe(400);
      await h.hub.settled();
      expect((await h.hub.store.listRuns({ repo: repo.fullName })).runs.filter((r) => r.sha === sha)).toEqual([]);
    },
  },
};

/** The row of a route: HEAD routes Fastify adds beside GET ones take the GET route's row. */
function rowOf(method: string, url: string): Row | undefined {
  return MATRIX[`${method} ${url}`] ?? (method === 'HEAD' ? MATRIX[`GET ${url}`] : undefined);
}

describe('the 401/403 matrix', () => {
  it('has a row for every route the server registers, and no row for a route that is gone', () => {
    const routes = registeredRoutes(h.app);
    expect(routes.length).toBeGreaterThan(15);
    const missing = routes.filter((r) => !rowOf(r.method, r.url)).map((r) => `${r.method} ${r.url}`);
    expect(missing, 'routes without a row in MATRIX (test/e2e/security-routes.test.ts): add one').toEqual([]);
    const keys = new Set(routes.map((r) => `${r.method} ${r.url}`));
    expect(Object.keys(MATRIX).filter((key) => !keys.has(key))).toEqual([]);
  });

  it('marks exactly the exempt routes exempt in the server too (no API route forgets its role)', () => {
    for (const route of registeredRoutes(h.app)) {
      const row = rowOf(route.method, route.url) as Row;
      if ('role' in row) {
        expect(route.auth, `${route.method} ${route.url}`).toBeUndefined();
        expect(route.role ?? 'viewer', `${route.method} ${route.url}`).toBe(row.role);
      }
    }
  });

  const apiRoutes = () =>
    registeredRoutes(h.app).flatMap((route) => {
      const row = rowOf(route.method, route.url);
      return row && 'role' in row ? [{ method: route.method, url: route.url, row }] : [];
    });

  it('refuses every API route without a token or with a wrong one (401), and every role below its own (403)', async () => {
    for (const { method, row } of apiRoutes()) {
      const { path, body } = row.call(ids);
      const sent = method === 'GET' || method === 'HEAD' ? undefined : body;
      for (const token of [undefined, 'floe_not-a-token', `${tokens.admin}x`, '']) {
        const answer = await call(method, path, token, sent);
        expect(answer.status, `${method} ${path} with ${token === undefined ? 'no token' : `token ${token}`}`).toBe(
          401,
        );
      }
      for (const role of ROLES.slice(0, ROLES.indexOf(row.role))) {
        const answer = await call(method, path, tokens[role], sent);
        expect(answer.status, `${method} ${path} as ${role}`).toBe(403);
      }
    }
  });

  it('lets the role of each API route through', async () => {
    for (const { method, row } of apiRoutes()) {
      const { path, body } = row.call(ids);
      const answer = await call(
        method,
        path,
        tokens[row.role],
        method === 'GET' || method === 'HEAD' ? undefined : body,
      );
      expect([401, 403], `${method} ${path} as ${row.role}: ${answer.status} ${answer.text}`).not.toContain(
        answer.status,
      );
    }
  });

  it('checks the callers of every route that takes no API token its own way', async () => {
    const checked = new Set<Row>();
    for (const route of registeredRoutes(h.app)) {
      const row = rowOf(route.method, route.url) as Row;
      if ('exempt' in row && !checked.has(row)) {
        checked.add(row);
        await row.check(ids);
      }
    }
    expect(checked.size).toBeGreaterThanOrEqual(6);
  });
});

describe('revocation', () => {
  it('refuses a removed API token and an expired one, saying it expired', async () => {
    const admin = { name: 'admin', role: 'admin' } as const;
    const doomed = await h.hub.createToken('doomed', 'operator', admin);
    expect((await call('GET', '/api/me', doomed)).status).toBe(200);
    expect((await call('DELETE', '/api/tokens/doomed', tokens.admin)).status).toBe(204);
    for (const path of ['/api/me', '/api/runs', '/api/flows'])
      expect((await call('GET', path, doomed)).status).toBe(401);
    expect((await call('POST', '/api/flows/build/runs', doomed, {})).status).toBe(401);
    const live = await socket('/api/live', { send: [{ type: 'auth', token: doomed }], messages: 1 });
    expect(live.close).toBe(4401);

    const brief = await h.hub.createToken('brief', 'viewer', admin, Date.now() + 300);
    expect((await call('GET', '/api/me', brief)).status).toBe(200);
    const expired = await eventually(async () => {
      const answer = await call('GET', '/api/me', brief);
      return answer.status === 401 ? answer : undefined;
    });
    expect(JSON.parse(expired.text)).toMatchObject({
      code: 'FLOE_UNAUTHENTICATED',
      message: expect.stringMatching(/"brief" expired at/),
    });
  });

  it("closes a removed runner's socket and refuses its credential from then on", async () => {
    const registration = await call('POST', '/api/runners/tokens', tokens.admin, {});
    const { token } = JSON.parse(registration.text) as { token: string };
    const registered = await call('POST', '/api/runners/register', undefined, { token, name: 'stolen-laptop' });
    const { credential } = JSON.parse(registered.text) as { credential: string };
    const hello = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      credential,
      name: 'stolen-laptop',
      tags: [],
      slots: 1,
      version: '0',
      runs: [],
    };
    const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}/api/runners/connect`);
    const first = new Promise<{ type: string }>((resolve) =>
      ws.once('message', (data) => resolve(JSON.parse(String(data)) as { type: string })),
    );
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('open', () => ws.send(JSON.stringify(hello)));
    expect(await first).toMatchObject({ type: 'welcome' });
    expect((await call('DELETE', '/api/runners/stolen-laptop', tokens.operator)).status).toBe(403);
    expect((await call('DELETE', '/api/runners/stolen-laptop', tokens.admin)).status).toBe(204);
    expect(await closed).toBe(1008);
    const again = await socket('/api/runners/connect', { send: [hello] });
    expect(again.messages[0]).toMatchObject({ type: 'refused', code: 'bad-credential' });
    const runners = JSON.parse((await call('GET', '/api/runners', tokens.viewer)).text) as { name: string }[];
    expect(runners.map((runner) => runner.name)).not.toContain('stolen-laptop');
  });
});
