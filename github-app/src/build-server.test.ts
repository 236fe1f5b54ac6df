import { createFloeClient, type FloeClient, FlowListSchema, RunDetailSchema, RunsPageSchema } from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestHub, type TestHub } from './testing/start-test-hub.js';

const APP_FLOWS = `
flows:
  - id: build
    triggers:
      - id: start
        type: data
        opts:
          form:
            fields:
              - id: version
                type: text
                required: false
    tasks:
      - id: compile
        type: exec
        listen: trigger.good
        opts: { cmd: echo hi }
      - id: approve
        type: data
        listen: task.compile.good
        opts:
          form:
            fields:
              - id: ok
                type: bool
      - id: done
        type: end
        listen: task.approve.good
  - id: deploy
    tasks:
      - id: ship
        type: exec
        listen: trigger.good
        opts: { cmd: echo ship }
`;
const LIB_FLOWS = `
id: build
tasks:
  - id: make
    type: exec
    listen: trigger.good
    opts: { cmd: "true" }
`;

let t: TestHub;
let admin: FloeClient;
let tokens: Record<'viewer' | 'operator' | 'admin', string>;

beforeAll(async () => {
  t = await startTestHub({ app: APP_FLOWS, lib: LIB_FLOWS });
  admin = createFloeClient({ baseUrl: t.url, token: ADMIN_TOKEN });
  tokens = { viewer: await t.token('viewer'), operator: await t.token('operator'), admin: await t.token('admin') };
});
afterAll(async () => {
  await t?.close();
});

async function call(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

async function errorOf(promise: Promise<unknown>) {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('the hub API', () => {
  it('answers /healthz without a token', async () => {
    expect(await createFloeClient({ baseUrl: t.url }).health()).toEqual({
      ok: true,
      version: '0.0.0-test',
      problems: [],
    });
  });

  it('says who the caller is', async () => {
    expect(await admin.me()).toEqual({ name: 'admin', role: 'admin' });
    expect(await createFloeClient({ baseUrl: t.url, token: tokens.viewer }).me()).toEqual({
      name: 'viewer-user',
      role: 'viewer',
    });
  });

  it('applies the 401/403 matrix to every route', async () => {
    const { runId } = await admin.startRun('deploy');
    const routes: [string, string, 'viewer' | 'operator' | 'admin', unknown?][] = [
      ['GET', '/api/me', 'viewer'],
      ['GET', '/api/flows', 'viewer'],
      ['GET', '/api/runs', 'viewer'],
      ['GET', `/api/runs/${runId}`, 'viewer'],
      ['GET', `/api/runs/${runId}/logs?node=ship`, 'viewer'],
      ['GET', '/api/runners', 'viewer'],
      ['POST', '/api/flows/deploy/runs', 'operator', {}],
      ['POST', `/api/runs/${runId}/retry`, 'operator', {}],
      ['POST', `/api/runs/${runId}/nodes/ship/data`, 'operator', { values: {} }],
      ['POST', `/api/runs/${runId}/cancel`, 'operator', {}],
      ['POST', '/api/runners/tokens', 'admin', {}],
      ['POST', '/api/tokens', 'admin', { name: 'x', role: 'viewer' }],
    ];
    const below = { viewer: undefined, operator: 'viewer', admin: 'operator' } as const;
    for (const [method, path, role, body] of routes) {
      for (const token of [undefined, 'floe_not-a-token']) {
        const answer = await call(method, path, token, body);
        expect([answer.status, answer.json], `${method} ${path} with ${token ?? 'no token'}`).toEqual([
          401,
          { code: 'FLOE_UNAUTHENTICATED', message: expect.stringContaining('Bearer') },
        ]);
      }
      const lower = below[role];
      if (lower !== undefined) {
        const answer = await call(method, path, tokens[lower], body);
        expect([answer.status, (answer.json as { code: string }).code], `${method} ${path} as ${lower}`).toEqual([
          403,
          'FLOE_FORBIDDEN',
        ]);
      }
      const allowed = await call(method, path, tokens[role], body);
      expect([401, 403], `${method} ${path} as ${role}`).not.toContain(allowed.status);
    }
  });

  it('lists the flows of every repository', async () => {
    const flows = FlowListSchema.parse((await call('GET', '/api/flows', tokens.viewer)).json);
    const ids = flows.map((flow) => `${flow.repo}/${flow.id}`).sort();
    expect(ids).toEqual(['app/build', 'app/deploy', 'lib/build']);
    const build = flows.find((flow) => flow.repo === 'app' && flow.id === 'build');
    expect(build).toMatchObject({ ver: 1, name: 'build', triggers: [{ type: 'data' }] });
    expect(build?.errors).toBeUndefined();
  });

  it('starts a run only when the flow is unambiguous, known and its data fits', async () => {
    const ambiguous = await call('POST', '/api/flows/build/runs', tokens.operator, {});
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.json).toMatchObject({ code: 'FLOE_FLOW_AMBIGUOUS', message: expect.stringMatching(/app.*lib/) });

    const started = await call('POST', '/api/flows/build/runs', tokens.operator, {
      repo: 'app',
      data: { version: '1' },
    });
    expect(started.status).toBe(201);
    expect(started.json).toEqual({ runId: expect.any(String) });

    expect(await call('POST', '/api/flows/nope/runs', tokens.operator, {})).toMatchObject({
      status: 404,
      json: { code: 'FLOE_FLOW_NOT_FOUND' },
    });
    expect(
      await call('POST', '/api/flows/build/runs', tokens.operator, { repo: 'app', data: { colour: 'red' } }),
    ).toMatchObject({ status: 400, json: { code: 'FLOE_DATA_INVALID', message: expect.stringContaining('colour') } });
    expect(await call('POST', '/api/flows/build/runs', tokens.operator, { repo: 'app', data: [1] })).toMatchObject({
      status: 400,
      json: { code: 'FLOE_BAD_REQUEST', message: expect.stringContaining('body.data') },
    });
  });

  it('answers malformed requests and unknown routes with {code, message}', async () => {
    const response = await fetch(`${t.url}/api/flows/deploy/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.operator}`, 'content-type': 'application/json' },
      body: '{"data": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'FLOE_BAD_REQUEST' });
    expect(await call('GET', '/api/nothing', tokens.viewer)).toMatchObject({
      status: 404,
      json: { code: 'FLOE_NOT_FOUND', message: expect.stringContaining('/api/nothing') },
    });
    expect(await call('GET', '/api/runs/no-such-run', tokens.viewer)).toMatchObject({
      status: 404,
      json: { code: 'FLOE_RUN_NOT_FOUND' },
    });
    expect(await call('GET', '/api/runs?state=lost', tokens.viewer)).toMatchObject({
      status: 400,
      json: { code: 'FLOE_BAD_REQUEST', message: expect.stringContaining('query.state') },
    });
    expect(await call('POST', '/api/tokens', ADMIN_TOKEN, { name: 'x', role: 'root' })).toMatchObject({
      status: 400,
      json: { code: 'FLOE_BAD_REQUEST', message: expect.stringContaining('body.role') },
    });
  });

  it('lists runs newest first, filtered and paged', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await admin.startRun('deploy')).runId);
    const page1 = RunsPageSchema.parse((await call('GET', '/api/runs?flow=deploy&limit=2', tokens.viewer)).json);
    expect(page1.runs.map((run) => run.id)).toEqual([ids[2], ids[1]]);
    expect(page1.next).toEqual(expect.any(String));
    const page2 = await admin.runs({ flow: 'deploy', limit: 2, cursor: page1.next });
    expect(page2.runs[0]?.id).toBe(ids[0]);
    expect(page2.runs.every((run) => run.flowId === 'deploy')).toBe(true);
    const pending = await admin.runs({ state: 'pending', flow: 'deploy' });
    expect(pending.runs.every((run) => run.state === 'pending')).toBe(true);
    await admin.cancelRun(ids[1] ?? '');
    const cancelled = RunsPageSchema.parse(
      (await call('GET', '/api/runs?flow=deploy&result=cancelled', tokens.viewer)).json,
    );
    expect(cancelled.runs.map((run) => run.id)).toContain(ids[1]);
    expect(cancelled.runs.map((run) => run.id)).not.toContain(ids[2]);
    expect(cancelled.runs.every((run) => run.result === 'cancelled')).toBe(true);
    expect((await admin.runs({ flow: 'deploy', result: 'good' })).runs).toEqual([]);
    expect(await call('GET', '/api/runs?result=lost', tokens.viewer)).toMatchObject({ status: 400 });
  });

  it('shows a pending run with its nodes and why it waits', async () => {
    const { runId } = await admin.startRun('build', { repo: 'app', data: { version: '2' } });
    const run = RunDetailSchema.parse((await call('GET', `/api/runs/${runId}`, tokens.viewer)).json);
    expect(run).toMatchObject({
      id: runId,
      flowId: 'build',
      repo: 'app',
      state: 'pending',
      trigger: { type: 'manual', by: 'admin' },
      data: { version: '2' },
      nodes: [
        { id: 'compile', state: 'waiting', type: 'exec' },
        { id: 'approve', state: 'waiting', type: 'data' },
        { id: 'done', state: 'waiting', type: 'end' },
      ],
    });
    expect(run.number).toBeGreaterThan(0);
    expect(run.createdAt).toBeGreaterThan(0);
    await t.hub.settled();
    expect((await admin.run(runId)).pendingReason).toMatch(/runner/);
  });

  it('cancels a pending run once, and retries it as a new run', async () => {
    const { runId } = await admin.startRun('deploy');
    expect((await call('POST', `/api/runs/${runId}/cancel`, tokens.operator, {})).status).toBe(202);
    expect(await admin.run(runId)).toMatchObject({ state: 'archived', result: 'cancelled', reasonCode: 'cancelled' });
    expect(await errorOf(admin.cancelRun(runId))).toMatchObject({ status: 409, code: 'FLOE_RUN_ENDED' });

    const retried = await call('POST', `/api/runs/${runId}/retry`, tokens.operator, {});
    expect(retried.status).toBe(201);
    const retry = await admin.run((retried.json as { runId: string }).runId);
    expect(retry).toMatchObject({ flowId: 'deploy', retryOf: runId, state: 'pending' });
  });

  it('makes runner registration tokens that runners exchange without an API token', async () => {
    const { token } = await admin.createRunnerToken();
    const registered = await call('POST', '/api/runners/register', undefined, { token, name: 'vm-9' });
    expect(registered.status).toBe(201);
    expect(registered.json).toMatchObject({ runnerId: expect.any(String), credential: expect.any(String) });
    expect((await call('POST', '/api/runners/register', undefined, { token, name: 'vm-9' })).status).toBe(401);
    const runners = await createFloeClient({ baseUrl: t.url, token: tokens.viewer }).runners();
    expect(runners).toContainEqual(expect.objectContaining({ name: 'vm-9', connected: false, runs: [] }));
  });

  it('makes API tokens of a role that work at once', async () => {
    const { token } = await admin.createToken({ name: 'ci-bot', role: 'operator' });
    const bot = createFloeClient({ baseUrl: t.url, token });
    expect(await bot.me()).toEqual({ name: 'ci-bot', role: 'operator' });
    expect(await errorOf(bot.createToken({ name: 'y', role: 'admin' }))).toMatchObject({
      status: 403,
      code: 'FLOE_FORBIDDEN',
    });
  });

  it('follows a run on a runner: logs from an offset, a form answer, the ending', async () => {
    // Earlier tests left runs pending; the runner would be offered those first.
    for (const run of (await admin.runs({ state: 'pending', limit: 500 })).runs) await admin.cancelRun(run.id);
    const runner = await t.connectRunner('vm-1');
    const { runId } = await admin.startRun('build', { repo: 'app' });
    const run = await runner.takeRun(runId);
    await run.start();
    await run.log('compile', 'hello\n');
    await run.log('compile', 'wörld\n');

    const all = await call('GET', `/api/runs/${runId}/logs?node=compile`, tokens.viewer);
    expect(all.text).toBe('hello\nwörld\n');
    expect(all.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(all.headers.get('x-floe-log-next')).toBe(String(Buffer.byteLength('hello\nwörld\n')));
    expect(all.headers.get('x-floe-log-complete')).toBe('false');
    expect(await admin.logs(runId, 'compile', 6)).toEqual({ text: 'wörld\n', next: 13, complete: false });
    expect(await errorOf(admin.logs(runId, 'nope'))).toMatchObject({ status: 404, code: 'FLOE_NODE_NOT_FOUND' });

    await run.input({
      type: 'task-finished',
      node: 'compile',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      at: Date.now(),
    });
    expect((await admin.logs(runId, 'compile', 13)).complete).toBe(true);
    const active = await admin.run(runId);
    expect(active).toMatchObject({ state: 'active', runner: 'vm-1' });
    expect(active.nodes.map((node) => [node.id, node.state])).toEqual([
      ['compile', 'good'],
      ['approve', 'awaiting-input'],
      ['done', 'waiting'],
    ]);
    expect(active.nodes[0]).toMatchObject({ exitCode: 0 });
    expect(active.events?.map((event) => [event.seq, event.tag])).toEqual([
      [1, 'trigger.good'],
      [2, 'task.compile.good'],
    ]);
    const runners = await admin.runners();
    expect(runners.find((r) => r.name === 'vm-1')).toMatchObject({ connected: true, runs: [{ id: runId }] });

    expect(await errorOf(admin.submitData(runId, 'approve', { values: { ok: 'maybe' } }))).toMatchObject({
      status: 400,
      code: 'FLOE_DATA_INVALID',
    });
    expect(await errorOf(admin.submitData(runId, 'compile', { values: {} }))).toMatchObject({
      status: 409,
      code: 'FLOE_NODE_NOT_AWAITING_INPUT',
    });
    const operator = createFloeClient({ baseUrl: t.url, token: tokens.operator });
    expect(await operator.submitData(runId, 'approve', { values: { ok: true } })).toEqual({ ok: true });
    const forwarded = await runner.received('data', runId);
    expect(forwarded).toMatchObject({ node: 'approve', values: { ok: 'true' }, by: 'operator-user' });
    await run.input({ type: 'data', node: 'approve', values: forwarded.values, by: forwarded.by, at: Date.now() });

    const ended = await admin.run(runId);
    expect(ended).toMatchObject({ state: 'archived', result: 'good', reasonCode: 'end' });
    expect(ended.nodes[1]).toMatchObject({ state: 'good', values: { ok: 'true' }, by: 'operator-user' });
    expect(ended.endedAt).toBeGreaterThanOrEqual(ended.startedAt ?? 0);
  });
});
