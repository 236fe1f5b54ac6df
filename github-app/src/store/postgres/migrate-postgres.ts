import type pg from 'pg';
import type { Migration } from '../sqlite/migrations.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';

/** Any constant: the advisory lock that makes hubs starting together migrate one after the other. */
const MIGRATION_LOCK = 7_007_001;

/**
 * Brings the database to the latest schema, like the SQLite `migrate`: each migration in its own transaction with
 * its version row. Several hubs may start at once on one database, so the whole run holds an advisory lock; the
 * second hub then finds the schema current. Throws (at hub start, an edge) when a migration fails or the
 * database is newer than this hub.
 */
export async function migratePostgres(
  pool: pg.Pool,
  migrations: readonly Migration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const current = Number((await client.query('SELECT MAX(version) AS v FROM schema_version')).rows[0]?.v ?? 0);
    const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    if (current > latest) {
      throw new Error(
        `the database is at schema version ${current} but this hub knows only up to ${latest}; upgrade the hub`,
      );
    }
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
