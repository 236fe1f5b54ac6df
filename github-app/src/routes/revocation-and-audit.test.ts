// Revocation, expiry, admin token rotation and the audit log (docs/security.md "Revocation, expiry and audit")
// through the real server and the real store, once on SQLite and once on PostgreSQL. The hub's clock is the
// test's, so that expiry and grace are reached by moving it, not by waiting.
import { type AuditEntry, createFloeClient, type FloeApiError, type LiveServerMessage } from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../store/testing/test-database.js';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../testing/start-test-hub.js';

const FLOWS = `
flows:
  - id: build
    tasks:
      - id: ask
        type: data
        listen: trigger.good
        opts: { form: { fields: [{ id: ok, type: bool }] } }
  - id: keep
    requeue-lost: true
    tasks:
      - id: work
        type: exec
        listen: trigger.good
        opts: { cmd: "true" }
`;

describe.each(['sqlite', 'postgres'] as const)('revocation and audit on %s', (driver) => {
  let t: TestHub;
  let db: TestDatabase | undefined;
  let clock = Date.UTC(2026, 11, 7, 3, 0, 0);
  const admin = () => createFloeClient({ baseUrl: t.url, token: ADMIN_TOKEN });
  const as = (token: string) => createFloeClient({ baseUrl: t.url, token });
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (err: unknown) => err as FloeApiError,
    );

  beforeAll(async () => {
    if (driver === 'postgres') db = await createTestDatabase();
    t = await startTestHub(
      { app: FLOWS },
      {
        now: () => clock,
        secretKey: 'audit-test-key',
        liveRecheckMs: 50,
        ...(db !== undefined ? { databaseUrl: db.url } : {}),
      },
    );
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('lists tokens without their secrets, refuses an expired one saying so, and a removed one', async () => {
    const { token } = await admin().createToken({ name: 'ci', role: 'operator', expiresAt: clock + 60_000 });
    expect((await as(token).me()).name).toBe('ci');
    const raw = await fetch(`${t.url}/api/tokens`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await raw.text();
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/hash/i);
    const listed = (await admin().tokens()).find((row) => row.name === 'ci');
    expect(listed).toEqual({
      name: 'ci',
      role: 'operator',
      createdAt: clock,
      expiresAt: clock + 60_000,
      lastUsedAt: clock,
    });

    clock += 60_000;
    const expired = await refusal(as(token).me());
    expect(expired).toMatchObject({ status: 401, code: 'FLOE_UNAUTHENTICATED' });
    expect(expired?.message).toMatch(/"ci" expired at 2026-12-07T03:01:00.000Z/);

    const { token: other } = await admin().createToken({ name: 'bot', role: 'viewer' });
    expect((await as(other).me()).name).toBe('bot');
    await admin().deleteToken('bot');
    expect(await refusal(as(other).me())).toMatchObject({ status: 401, code: 'FLOE_UNAUTHENTICATED' });
    expect(await refusal(admin().deleteToken('bot'))).toMatchObject({ status: 404, code: 'FLOE_TOKEN_NOT_FOUND' });
    expect(await refusal(admin().deleteToken('admin'))).toMatchObject({ status: 400 });
    expect(await refusal(admin().createToken({ name: 'admin', role: 'viewer' }))).toMatchObject({ status: 400 });
    expect(await refusal(admin().createToken({ name: 'old', role: 'viewer', expiresAt: clock - 1 }))).toMatchObject({
      status: 400,
    });
  });

  /** A live socket authenticated with `token`: what it received, and its close code once closed. */
  async function liveWith(token: string) {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/live`);
    const messages: LiveServerMessage[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as LiveServerMessage));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'auth', token }));
    await waitUntil(() => messages.some((m) => m.type === 'authenticated'));
    return { messages, closed };
  }

  it('closes a live socket whose token is removed, and one whose token expires', async () => {
    const { token } = await admin().createToken({ name: 'watcher', role: 'viewer' });
    const removed = await liveWith(token);
    await admin().deleteToken('watcher');
    expect(await removed.closed).toBe(4401);
    expect(removed.messages.at(-1)).toMatchObject({ type: 'error', code: 'FLOE_UNAUTHENTICATED' });

    const brief = await admin().createToken({ name: 'brief', role: 'viewer', expiresAt: clock + 1_000 });
    const expiring = await liveWith(brief.token);
    clock += 1_000;
    expect(await expiring.closed).toBe(4401);
    expect(expiring.messages.at(-1)).toMatchObject({
      type: 'error',
      code: 'FLOE_UNAUTHENTICATED',
      message: expect.stringMatching(/"brief" expired at/),
    });
  });

  it('rotates the admin token: the new one works at once, the old one until its grace is over', async () => {
    const { token: second } = await admin().rotateAdminToken({ graceSeconds: 60 });
    expect(second).not.toBe(ADMIN_TOKEN);
    expect((await as(second).me()).role).toBe('admin');
    expect((await admin().me()).role).toBe('admin');
    clock += 60_000;
    const old = await refusal(admin().me());
    expect(old).toMatchObject({ status: 401 });
    expect(old?.message).toMatch(/"admin \(previous\)" expired/);
    // Rotating again without grace: the second token is refused at once, and the configured one stays refused.
    const { token: third } = await as(second).rotateAdminToken();
    expect(await refusal(as(second).me())).toMatchObject({ status: 401 });
    expect(await refusal(admin().me())).toMatchObject({ status: 401 });
    expect((await as(third).me()).role).toBe('admin');
    expect((await as(third).tokens()).map((row) => row.name)).toEqual(
      expect.arrayContaining(['admin', 'admin (previous)']),
    );
    adminToken = third;
  });

  let adminToken = ADMIN_TOKEN;

  it('removes a runner: its active run ends lost, a requeue-lost run goes back to the queue', async () => {
    const runner = await t.connectRunner('vm-gone');
    const boss = as(adminToken);
    const lostId = (await boss.startRun('build')).runId;
    const lost = await runner.takeRun(lostId);
    await lost.start();
    const keptId = (await boss.startRun('keep')).runId;
    const kept = await runner.takeRun(keptId);
    await kept.start();
    await boss.deleteRunner('vm-gone');
    expect(await boss.run(lostId)).toMatchObject({
      state: 'archived',
      result: 'bad',
      reasonCode: 'lost',
      reason: 'runner vm-gone removed by admin',
    });
    expect((await boss.run(keptId)).state).toBe('pending');
    expect(await runner.received('stop', lostId)).toMatchObject({ reason: 'runner vm-gone removed by admin' });
    expect((await boss.runners()).map((r) => r.name)).not.toContain('vm-gone');
    expect(await refusal(boss.deleteRunner('vm-gone'))).toMatchObject({ status: 404, code: 'FLOE_RUNNER_NOT_FOUND' });
    await boss.cancelRun(keptId);
  });

  it('writes every admin and operator action to the audit log, newest first, paged by cursor', async () => {
    const boss = as(adminToken);
    const { token: op } = await boss.createToken({ name: 'ann', role: 'operator' });
    const runId = (await as(op).startRun('build')).runId;
    await as(op).cancelRun(runId);
    const retryId = (await as(op).retryRun(runId)).runId;
    await boss.putSecret('DEPLOY_KEY', { value: 'abcdef', repo: 'app' });
    await boss.deleteSecret('DEPLOY_KEY', 'app');
    await boss.createRunnerToken();

    const all: AuditEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await boss.audit({ limit: 3, ...(cursor !== undefined ? { cursor } : {}) });
      expect(page.entries.length).toBeLessThanOrEqual(3);
      all.push(...page.entries);
      cursor = page.next;
    } while (cursor !== undefined);
    const ids = all.map((entry) => Number(entry.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const seen = all.map((entry) => `${entry.actor} ${entry.action} ${entry.target}`);
    expect(seen.slice(0, 8)).toEqual([
      'admin runner-token.create registration token',
      'admin secret.delete app/DEPLOY_KEY',
      'admin secret.put app/DEPLOY_KEY',
      `ann run.retry ${runId}`,
      `ann run.cancel ${runId}`,
      `ann run.start ${runId}`,
      'admin token.create ann',
      'admin run.cancel ' + all[7]?.target,
    ]);
    expect(all.find((entry) => entry.action === 'run.retry')?.detail).toEqual({ newRun: retryId });
    expect(seen).toEqual(
      expect.arrayContaining([
        'admin runner.delete vm-gone',
        'admin token.rotate-admin admin',
        'admin token.delete bot',
        'admin token.create ci',
      ]),
    );
    expect(all.find((entry) => entry.action === 'token.create' && entry.target === 'ann')).toMatchObject({
      role: 'admin',
      at: clock,
      detail: { role: 'operator' },
    });
    // Reading the log is not an action, and only admins read it.
    const { token: viewer } = await boss.createToken({ name: 'v', role: 'viewer' });
    expect(await refusal(as(viewer).audit())).toMatchObject({ status: 403 });
    expect(await refusal(as(op).audit())).toMatchObject({ status: 403 });
    expect(await refusal(boss.audit({ cursor: 'x' } as never))).toMatchObject({ status: 400 });
  });
});

async function waitUntil(probe: () => boolean): Promise<void> {
  while (!probe()) await new Promise((resolve) => setTimeout(resolve, 20));
}
