// Databases made by an older hub (b469e62, before the one store and the GitHub state's own table) open with this
// one: migrated, with every run, log line, token, secret, runner and state found, and writable. The fixtures were
// made by that build's stores (testing/upgrade/make-fixtures.mjs).
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';
import { createTestDatabase, type TestDatabase } from './testing/test-database.js';

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), 'testing/upgrade');
const T = Date.UTC(2026, 0, 1);
const dir = mkdtempSync(path.join(tmpdir(), 'floe-upgrade-'));
const databases: TestDatabase[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(databases.map((db) => db.drop()));
});

async function openOldSqlite(): Promise<Store> {
  const file = path.join(dir, 'floe.db');
  copyFileSync(path.join(fixtures, 'b469e62.sqlite'), file);
  return openSqliteStore({ file });
}

async function openOldPostgres(): Promise<Store> {
  const db = await createTestDatabase();
  databases.push(db);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(readFileSync(path.join(fixtures, 'b469e62-postgres.sql'), 'utf8'));
  } finally {
    await client.end();
  }
  return openPostgresStore({ url: db.url });
}

const text = async (store: Store, runId: string, node: string) =>
  (await store.readLog(runId, node)).chunks.map((chunk) => chunk.text).join('');

describe.each([
  ['sqlite', openOldSqlite],
  ['postgres', openOldPostgres],
])('a %s database made by b469e62', (_name, open) => {
  it('opens with every run, log line, token, secret, runner and state it held', async () => {
    const store = await open();
    try {
      const { runs } = await store.listRuns({ limit: 100 });
      const byId = new Map(runs.map((run) => [run.id, run]));
      expect([...byId.keys()].sort()).toEqual(['r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07', 'r08', 'r09']);
      expect(byId.get('r01')).toMatchObject({ state: 'pending', number: 1, epoch: 0, runnerId: undefined });
      expect(byId.get('r02')).toMatchObject({ state: 'pending', epoch: 1, runnerId: 'runner-1' });
      expect(byId.get('r03')).toMatchObject({ state: 'active', lastSeq: 1, engine: { startedAt: T + 10 } });
      expect(byId.get('r04')).toMatchObject({ state: 'active', cancelRequestedBy: 'alice', cancelRequestedAt: T + 20 });
      expect(byId.get('r05')).toMatchObject({ state: 'archived', result: 'good', reasonCode: 'end', lastSeq: 3 });
      expect(byId.get('r06')).toMatchObject({ state: 'archived', result: 'cancelled', endedAt: T + 20 });
      expect(byId.get('r07')).toMatchObject({
        state: 'archived',
        result: 'bad',
        trust: 'untrusted',
        trigger: { type: 'pull_request', headCloneUrl: 'https://github.com/fork/app.git' },
      });
      expect(byId.get('r08')).toMatchObject({ retryOf: 'r05', replayFrom: 'test', pinnedRunnerId: 'runner-1' });
      expect(byId.get('r09')).toMatchObject({ state: 'pending', epoch: 2, runnerId: undefined, lastSeq: 0 });
      expect(await store.listLiveRuns()).toHaveLength(6);

      expect(await text(store, 'r03', 'compile')).toBe('compiling…\ngröße ✓\n');
      expect(await text(store, 'r04', 'test')).toBe('testing\n');
      expect(await text(store, 'r05', 'checkout')).toBe('checked out\n');
      expect(await text(store, 'r05', 'test')).toBe('ok\ndone\nlate line\n');
      expect(await text(store, 'r05', 'sys')).toBe('hub: archived\n');
      expect(await text(store, 'r07', 'build')).toBe('error: no\n');

      expect(await store.listApiTokens()).toEqual([
        { name: 'admin', role: 'admin', tokenHash: 'e'.repeat(64), createdAt: T },
        {
          name: 'ci',
          role: 'operator',
          tokenHash: 'f'.repeat(64),
          createdAt: T,
          expiresAt: T + 86_400_000,
          lastUsedAt: T + 100,
        },
      ]);
      expect(await store.useRegistrationToken('2'.repeat(64), T + 6)).toBe(false);
      expect(await store.useRegistrationToken('1'.repeat(64), T + 6)).toBe(true);
      expect(await store.listSecrets('acme/app')).toEqual([
        { name: 'TOKEN', sealed: 'v1:hub-sealed', updatedAt: T },
        { name: 'DEPLOY_KEY', repo: 'acme/app', sealed: 'v1:repo-sealed', updatedAt: T },
      ]);
      expect(await store.listRunners()).toMatchObject([
        { id: 'runner-1', name: 'builder', tags: ['linux'], slots: 4, connected: true, sandboxed: true },
        { id: 'runner-2', name: 'old', connected: false, sandboxed: false, sandboxReason: 'no bwrap' },
      ]);
      expect((await store.listAudit({})).entries.map((entry) => [entry.action, entry.detail])).toEqual([
        ['run.cancel', undefined],
        ['token.create', { role: 'operator' }],
      ]);
      expect((await store.listFlows('acme/app')).map((flow) => flow.id)).toEqual(['build']);
      expect(await store.getTriggerState('timer:acme/app/build/nightly')).toEqual({
        key: 'timer:acme/app/build/nightly',
        value: { last: T },
        version: 1,
      });
      expect(await store.tryLease('dispatch', 'hub-b', T + 1, 10_000)).toBe(false);

      // The GitHub state moved to its own table, versions kept.
      expect(await store.github.firstDelivery('delivery-1', T + 2)).toBe(false);
      expect(await store.github.firstDelivery('delivery-3', T + 2)).toBe(true);
      expect(await store.github.getCheckRun('r05')).toEqual({ value: { id: 77, status: 'completed' }, version: 2 });
      expect(await store.github.getRepo('acme/app')).toEqual({
        value: { installationId: 9, cloneUrl: 'https://github.com/acme/app.git', private: true },
        version: 1,
      });
      expect(await store.getTriggerState('github:repo:acme/app')).toBeUndefined();
      expect(await store.getTriggerState('github:check:r05')).toBeUndefined();

      // And it goes on: numbers continue, logs append after what was there.
      const first = await store.getRun('r01');
      if (!first) throw new Error('r01 is gone');
      const next = await store.createRun({ ...first, id: 'r10' });
      expect(next.number).toBe(10);
      const [chunk] = await store.appendLogs('r03', 'compile', [
        { node: 'compile', attempt: 1, stream: 'out', at: T + 30, text: 'more\n' },
      ]);
      expect(chunk?.offset).toBe(Buffer.byteLength('compiling…\ngröße ✓\n'));
    } finally {
      await store.close();
    }
  });
});
