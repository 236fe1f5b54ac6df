// The runners' cache routes over real HTTP against a real hub (SQLite, blobs under its data dir), with a stand-in
// runner: what one run saved another finds, an untrusted run's cache never reaches a trusted run, the first save
// of a key wins, and a hub without --shared-caches says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunHandle, type StandInRunner, startTestHub, type TestHub } from '../testing/start-test-hub.js';

const FLOWS = `
flows:
  - id: build
    tasks:
      - id: make
        type: exec
        listen: trigger.good
        opts: { cmd: "true" }
        cache: { key: k, paths: [deps] }
`;

let t: TestHub;
let runner: StandInRunner;
beforeAll(async () => {
  t = await startTestHub({ app: FLOWS }, { sharedCaches: true, artifacts: { maxFileBytes: 1000 } });
  runner = await t.connectRunner('vm-1');
});
afterAll(async () => {
  await t?.close();
});

async function activeRun(trust: 'trusted' | 'untrusted' = 'trusted'): Promise<{ runId: string; run: RunHandle }> {
  const row = await t.hub.createRun({ flowId: 'build', trigger: { type: 'manual', by: 'admin' }, trust });
  const run = await runner.takeRun(row.id);
  await run.start();
  return { runId: row.id, run };
}

async function endRun(run: RunHandle): Promise<void> {
  await run.input({ type: 'cancel', by: 'admin', at: Date.now() });
  await run.input({ type: 'task-finished', node: 'make', attempt: 1, outcome: { kind: 'cancelled' }, at: Date.now() });
  await t.hub.settled();
}

const call = (runId: string, method: string, path: string, body?: string) =>
  fetch(`${t.url}/api/runners/runs/${runId}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${runner.credential}`,
      ...(body !== undefined ? { 'content-type': 'application/octet-stream' } : {}),
    },
    ...(body !== undefined ? { body } : {}),
  });

type Found = { found: boolean; key?: string; blobId?: string; size?: number };
const find = async (runId: string, key: string, prefixes: string[] = []): Promise<Found> => {
  const query = new URLSearchParams({ epoch: '1', key });
  for (const prefix of prefixes) query.append('prefix', prefix);
  return (await (await call(runId, 'GET', `/caches?${query}`)).json()) as Found;
};

describe('caches on the hub', () => {
  it('are found by a later run, first save of a key winning, and never across trust', async () => {
    const a = await activeRun();
    expect(await (await call(a.runId, 'PUT', '/caches?epoch=1&key=deps-1', 'first')).json()).toEqual({
      kind: 'saved',
      bytes: 5,
    });
    expect(await (await call(a.runId, 'PUT', '/caches?epoch=1&key=deps-1', 'second')).json()).toEqual({
      kind: 'exists',
    });
    expect(await (await call(a.runId, 'PUT', '/caches?epoch=1&key=big', 'x'.repeat(1001))).json()).toMatchObject({
      kind: 'refused',
    });
    await endRun(a.run);

    const b = await activeRun();
    const found = await find(b.runId, 'deps-2', ['deps-']);
    expect(found).toMatchObject({ found: true, key: 'deps-1', size: 5 });
    expect(await (await call(b.runId, 'GET', `/caches/${found.blobId}?epoch=1`)).text()).toBe('first');
    expect(await find(b.runId, 'big')).toEqual({ found: false });
    await endRun(b.run);

    // An untrusted run saves under the same key: only untrusted runs see it, and it cannot read the trusted one.
    const u = await activeRun('untrusted');
    expect(await find(u.runId, 'deps-1')).toEqual({ found: false });
    expect((await call(u.runId, 'GET', `/caches/${found.blobId}?epoch=1`)).status).toBe(404);
    expect(await (await call(u.runId, 'PUT', '/caches?epoch=1&key=deps-9', 'poison')).json()).toMatchObject({
      kind: 'saved',
    });
    await endRun(u.run);
    const c = await activeRun();
    expect(await find(c.runId, 'deps-9', ['deps-'])).toMatchObject({ found: true, key: 'deps-1' });
    // A stale epoch writes nothing.
    expect((await call(c.runId, 'PUT', '/caches?epoch=7&key=late', 'x')).status).toBe(409);
    await endRun(c.run);
  });

  it('are refused with FLOE_CACHES_OFF by a hub without --shared-caches', async () => {
    const off = await startTestHub({ app: FLOWS });
    try {
      const other = await off.connectRunner('vm-2');
      const row = await off.hub.createRun({ flowId: 'build', trigger: { type: 'manual', by: 'admin' } });
      const run = await other.takeRun(row.id);
      await run.start();
      const response = await fetch(`${off.url}/api/runners/runs/${row.id}/caches?epoch=1&key=k`, {
        headers: { authorization: `Bearer ${other.credential}` },
      });
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'FLOE_CACHES_OFF' });
    } finally {
      await off.close();
    }
  });
});
