import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { describeGitHubStateContract } from '../testing/github-state.contract.js';
import { describeNotifyDeliveriesContract } from '../testing/notify-deliveries.contract.js';
import { describeStoreContract } from '../testing/store.contract.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { insertOldRun, RUNS_BEFORE_TRUST, TRUST_AFTER } from '../testing/trust-migration-rows.js';
import { migratePostgres } from './migrate-postgres.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { openPostgresStore, type PostgresStore } from './postgres-store.js';

// One database per store the contract suite makes: its tests expect an empty store each time.
const databases: TestDatabase[] = [];
const stores: PostgresStore[] = [];
const urls = new Map<PostgresStore, string>();
const freshStore = async () => {
  const db = await createTestDatabase();
  databases.push(db);
  const store = await openPostgresStore({ url: db.url, maxConnections: 4 });
  stores.push(store);
  urls.set(store, db.url);
  return store;
};
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await Promise.all(databases.map((db) => db.drop()));
});

describeStoreContract('postgres', freshStore, {
  // PostgreSQL keeps log text in rows either way.
  reopen: async (store) => {
    const url = urls.get(store as PostgresStore) as string;
    await store.close();
    const again = await openPostgresStore({ url, maxConnections: 4 });
    stores.push(again);
    urls.set(again, url);
    return again;
  },
});
describeGitHubStateContract('postgres', freshStore);
describeNotifyDeliveriesContract('postgres', freshStore);

describe('postgres store', () => {
  it('shares runs between two stores on one database, as two hubs do', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const [a, b] = await Promise.all([openPostgresStore({ url: db.url }), openPostgresStore({ url: db.url })]);
    stores.push(a, b);
    const run = await a.createRun({
      id: 'r1',
      repo: 'acme',
      flowId: 'f',
      trigger: { type: 'manual', data: {} },
      trust: 'trusted',
      flow: { id: 'f' } as never,
      createdAt: 1,
    });
    expect(await b.getRun('r1')).toEqual(run);
    // Both offer at epoch 0: exactly one wins, whichever hub it is.
    const offers = await Promise.all([a.offerRun('r1', 0, 'x', 10), b.offerRun('r1', 0, 'y', 10)]);
    expect(offers.filter(Boolean)).toHaveLength(1);
  });

  it('applies its migrations once even when several hubs start together', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const opened = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url: db.url, maxConnections: 2 })));
    stores.push(...opened);
    const first = opened[0] as PostgresStore;
    expect(await migratePostgres(first.pool)).toEqual([]);
    const versions = await first.pool.query('SELECT version FROM schema_version ORDER BY version');
    expect(versions.rows).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version })));
  });

  it('gives stored runs a trust (006): untrusted for flagged forks, refs/pull/ and retries of either', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      await migratePostgres(
        pool,
        POSTGRES_MIGRATIONS.filter((m) => m.version < 6),
      );
      for (const [i, run] of RUNS_BEFORE_TRUST.entries()) {
        const [sql, values] = insertOldRun(run, i, (n) => `$${n}`);
        await pool.query(sql, values);
      }
      expect(await migratePostgres(pool)).toEqual(
        POSTGRES_MIGRATIONS.filter((m) => m.version >= 6).map((m) => m.version),
      );
      const { rows } = await pool.query<Record<string, string>>('SELECT id, trust, trigger FROM runs ORDER BY id');
      expect(Object.fromEntries(rows.map((row) => [row.id, row.trust]))).toEqual(TRUST_AFTER);
      expect(rows.filter((row) => row.trigger?.includes('noSecrets'))).toEqual([]);
      expect(JSON.parse(rows.find((row) => row.id === 'r4')?.trigger as string)).toEqual({
        type: 'comment',
        data: { a: '1' },
      });
    } finally {
      await pool.end();
    }
  });

  it('keeps sealed secrets per repository and for the hub, and lists a repository’s with the hub’s', async () => {
    const store = await freshStore();
    await store.putSecret({ name: 'TOKEN', sealed: 'hub-sealed', updatedAt: 1 });
    await store.putSecret({ name: 'TOKEN', repo: 'acme', sealed: 'acme-sealed', updatedAt: 2 });
    await store.putSecret({ name: 'TOKEN', repo: 'acme', sealed: 'acme-sealed-2', updatedAt: 3 });
    await store.putSecret({ name: 'OTHER', repo: 'zeta', sealed: 'z', updatedAt: 4 });
    expect(await store.listSecrets('acme')).toEqual([
      { name: 'TOKEN', sealed: 'hub-sealed', updatedAt: 1 },
      { name: 'TOKEN', repo: 'acme', sealed: 'acme-sealed-2', updatedAt: 3 },
    ]);
    expect((await store.listSecrets()).map((s) => `${s.repo ?? ''}/${s.name}`)).toEqual([
      '/TOKEN',
      'acme/TOKEN',
      'zeta/OTHER',
    ]);
    expect(await store.deleteSecret('TOKEN', 'acme')).toBe(true);
    expect(await store.deleteSecret('TOKEN', 'acme')).toBe(false);
    expect(await store.listSecrets('acme')).toEqual([{ name: 'TOKEN', sealed: 'hub-sealed', updatedAt: 1 }]);
  });

  it('fails with a clear message when the database cannot be reached', async () => {
    await expect(openPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
