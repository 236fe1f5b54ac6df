// The badge (`GET /badge/…`) and the flow page's API routes (`/api/flows/:flowId/trends`, `…/deliveries`) on the
// real server, with and without --public-badges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../testing/start-test-hub.js';

const FLOWS = `flows:
  - id: ship
    tasks:
      - {id: build, type: exec, listen: trigger.good, opts: {cmd: build}}
      - {id: test, type: exec, listen: task.build.good, opts: {cmd: test}}
`;
const ADMIN = { name: 'admin', role: 'admin' } as const;

let open: TestHub;
let closed: TestHub;
beforeAll(async () => {
  [open, closed] = await Promise.all([
    startTestHub({ acme: FLOWS, other: FLOWS }, { publicBadges: true }),
    startTestHub({ acme: FLOWS }),
  ]);
  // Two ended runs of acme's flow on main: the first good, the second with `test` exiting 2.
  const runner = await open.connectRunner('vm-1');
  for (const testExit of [0, 2]) {
    const runId = await open.hub.startRun('ship', { repo: 'acme' }, ADMIN);
    const run = await runner.takeRun(runId);
    await run.start();
    const at = Date.now();
    await run.input({ type: 'task-finished', node: 'build', attempt: 1, outcome: { kind: 'exited', exitCode: 0 }, at });
    await run.input({
      type: 'task-finished',
      node: 'test',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: testExit },
      at,
    });
  }
}, 60_000);
afterAll(async () => {
  await open?.close();
  await closed?.close();
});

const get = (t: TestHub, path: string, headers: Record<string, string> = {}) => fetch(`${t.url}${path}`, { headers });

describe('GET /badge/:owner/:name/:flow.svg', () => {
  it('shows the last result of the flow on the branch, as an SVG with sensible cache headers', async () => {
    const answer = await get(open, '/badge/acme/ship.svg?ref=main');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('public, max-age=60, must-revalidate');
    expect(answer.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const svg = await answer.text();
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('>ship</text>');
    expect(svg).toContain('>failing</text>');
    // The default branch when no ref is given; a branch without runs says so.
    expect(await (await get(open, '/badge/acme/ship.svg')).text()).toContain('>failing</text>');
    expect(await (await get(open, '/badge/acme/ship.svg?ref=refs/heads/main')).text()).toContain('>failing</text>');
    expect(await (await get(open, '/badge/acme/ship.svg?ref=feature')).text()).toContain('>no runs</text>');
    expect(await (await get(open, '/badge/other/ship.svg')).text()).toContain('>no runs</text>');
  });

  it('answers 304 to the ETag it gave, until the result changes', async () => {
    const first = await get(open, '/badge/acme/ship.svg');
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get(open, '/badge/acme/ship.svg', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const other = await get(open, '/badge/other/ship.svg', { 'if-none-match': etag });
    expect(other.status).toBe(200);
  });

  it.each([
    ['an unknown flow', '/badge/acme/nope.svg'],
    ['an unknown repository', '/badge/evil/acme/ship.svg'],
    ['markup in the name', `/badge/acme/${encodeURIComponent('</text><script>alert(1)</script>')}.svg`],
    ['a long name', `/badge/acme/${'x'.repeat(90)}.svg`],
    ['a name that is not .svg', '/badge/acme/ship.png'],
  ])('answers 404 with an "unknown" badge for %s, never repeating the name', async (_what, path) => {
    const answer = await get(open, path);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    const svg = await answer.text();
    expect(svg).toContain('>floe</text>');
    expect(svg).toContain('>unknown</text>');
    expect(svg).not.toContain('script');
    expect(svg).not.toContain('xxxxx');
  });

  it("leaves a name longer than the router's parameter limit (100) to the API's 404", async () => {
    const answer = await get(open, `/badge/acme/${'x'.repeat(5_000)}.svg`);
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { code: string }).code).toBe('FLOE_NOT_FOUND');
  });

  it('refuses a ref with control characters, or too long, with the API error', async () => {
    for (const ref of ['main%0Aevil', 'x'.repeat(300)]) {
      const answer = await get(open, `/badge/acme/ship.svg?ref=${ref}`);
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { code: string }).code).toBe('FLOE_BAD_REQUEST');
    }
  });

  it('needs a viewer token without --public-badges, and is then private to its reader', async () => {
    expect((await get(closed, '/badge/acme/ship.svg')).status).toBe(401);
    expect((await get(closed, '/badge/acme/ship.svg', { authorization: 'Bearer floe_wrong' })).status).toBe(401);
    const viewer = await closed.token('viewer');
    const answer = await get(closed, '/badge/acme/ship.svg', { authorization: `Bearer ${viewer}` });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('private, no-cache');
    expect(await answer.text()).toContain('>no runs</text>');
  });
});

describe('GET /api/flows/:flowId/trends and /deliveries', () => {
  const api = async (path: string) => {
    const answer = await get(open, path, { authorization: `Bearer ${ADMIN_TOKEN}` });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };

  it("gives the flow's durations and the tasks that fail most", async () => {
    const { status, body } = await api('/api/flows/ship/trends?repo=acme');
    expect(status).toBe(200);
    expect(body).toMatchObject({ repo: 'acme', flowId: 'ship', runs: 2, timed: 2 });
    expect(body.durationMs).toEqual({ p50: expect.any(Number), p95: expect.any(Number) });
    expect(body.failingTasks).toEqual([
      { node: 'test', name: 'test', failures: 1, ran: 2, lastRunId: expect.any(String) },
    ]);
    expect((await api('/api/flows/ship/trends?repo=acme&last=1')).body).toMatchObject({ runs: 1 });
  });

  it('says which repository is meant when several have the flow, and refuses bad queries', async () => {
    expect(await api('/api/flows/ship/trends')).toMatchObject({ status: 409, body: { code: 'FLOE_FLOW_AMBIGUOUS' } });
    expect(await api('/api/flows/nope/trends?repo=acme')).toMatchObject({
      status: 404,
      body: { code: 'FLOE_FLOW_NOT_FOUND' },
    });
    expect(await api('/api/flows/ship/trends?repo=acme&last=0')).toMatchObject({ status: 400 });
    expect(await api('/api/flows/ship/trends?repo=acme&last=99999')).toMatchObject({ status: 400 });
    expect(await api('/api/flows/ship/deliveries?repo=acme')).toEqual({ status: 200, body: { deliveries: [] } });
    expect(await api('/api/flows/ship/deliveries')).toMatchObject({ status: 409 });
  });
});
