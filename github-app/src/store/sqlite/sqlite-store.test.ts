import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../hash-secret.js';
import { describeGitHubStateContract } from '../testing/github-state.contract.js';
import { describeNotifyDeliveriesContract } from '../testing/notify-deliveries.contract.js';
import { describeStoreContract } from '../testing/store.contract.js';
import { insertOldRun, RUNS_BEFORE_TRUST, TRUST_AFTER } from '../testing/trust-migration-rows.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { openSqliteStore, type SqliteStore, sqliteFile } from './sqlite-store.js';

const root = mkdtempSync(path.join(tmpdir(), 'floe-sqlite-'));
let count = 0;
const freshDir = () => path.join(root, `db-${++count}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

// As the hub opens it (chunks of 16 KiB or more in log files), and with every chunk's bytes in its log's file.
for (const logFileMinBytes of [undefined, 1]) {
  const open = (file: string) => openSqliteStore({ file, ...(logFileMinBytes ? { logFileMinBytes } : {}) });
  describeStoreContract(
    logFileMinBytes ? 'sqlite, every log byte in files' : 'sqlite',
    async () => open(sqliteFile(freshDir())),
    {
      reopen: async (store, options = {}) => {
        const file = (store as SqliteStore).db.name;
        await store.close();
        return options.bytesInRows ? openSqliteStore({ file, logDir: null }) : open(file);
      },
    },
  );
}
describeGitHubStateContract('sqlite', async () => openSqliteStore({ file: sqliteFile(freshDir()) }));
describeNotifyDeliveriesContract('sqlite', async () => openSqliteStore({ file: sqliteFile(freshDir()) }));

describe('sqlite store', () => {
  it('opens the database in WAL mode with foreign keys on', async () => {
    const store = openSqliteStore({ file: sqliteFile(freshDir()) });
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5_000);
    await store.close();
  });

  it('keeps runs across a reopen of the same file', async () => {
    const file = sqliteFile(freshDir());
    const first = openSqliteStore({ file });
    const run = await first.createRun({
      id: 'r1',
      repo: 'acme',
      flowId: 'f',
      trigger: { type: 'manual', data: {} },
      trust: 'trusted',
      flow: { id: 'f' } as never,
      createdAt: 1,
    });
    await first.close();
    const second = openSqliteStore({ file });
    expect(await second.getRun('r1')).toEqual(run);
    expect((await second.createRun({ ...run, id: 'r2' })).number).toBe(2);
    await second.close();
  });

  it('never writes a token itself to the database file', async () => {
    const file = sqliteFile(freshDir());
    const store = openSqliteStore({ file });
    const token = 'floe_super-secret-token-value';
    await store.createApiToken({ name: 'ci', role: 'admin', tokenHash: hashSecret(token), createdAt: 1 });
    await store.close();
    const bytes = Buffer.concat([readFileSync(file), readFileSync(`${file}-wal`, { flag: 'a+' })]);
    expect(bytes.includes(token)).toBe(false);
    expect(bytes.includes(hashSecret(token))).toBe(true);
  });
});

describe('migrate', () => {
  it('applies every migration once and records the version', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(migrate(db)).toEqual([]);
    const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').all();
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    db.close();
  });

  it('rolls back a failing migration and keeps the previous version', () => {
    const db = new Database(':memory:');
    const bad = [
      ...MIGRATIONS,
      { version: 99, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);' },
    ];
    expect(() => migrate(db, bad)).toThrow(/no_such_table/);
    const latest = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number };
    expect(latest.v).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'half_done'`).get()).toBeUndefined();
    db.close();
  });

  it('gives stored runs a trust (006): untrusted for flagged forks, refs/pull/ and retries of either', () => {
    const db = new Database(':memory:');
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version < 6),
    );
    RUNS_BEFORE_TRUST.forEach((run, i) => {
      const [sql, values] = insertOldRun(run, i, () => '?');
      db.prepare(sql).run(...values);
    });
    expect(migrate(db)).toEqual(MIGRATIONS.filter((m) => m.version >= 6).map((m) => m.version));
    const rows = db.prepare('SELECT id, trust, trigger FROM runs ORDER BY id').all() as Record<string, string>[];
    expect(Object.fromEntries(rows.map((row) => [row.id, row.trust]))).toEqual(TRUST_AFTER);
    // The old flag is gone; the rest of the trigger is as it was.
    expect(rows.filter((row) => row.trigger?.includes('noSecrets'))).toEqual([]);
    expect(JSON.parse(rows.find((row) => row.id === 'r4')?.trigger as string)).toEqual({
      type: 'comment',
      data: { a: '1' },
    });
    db.close();
  });

  it('refuses a database made by a newer hub', () => {
    const db = new Database(':memory:');
    migrate(db, [...MIGRATIONS, { version: 50, name: 'future', sql: 'SELECT 1' }]);
    expect(() => migrate(db)).toThrow(/schema version 50.*upgrade the hub/);
    db.close();
  });
});
