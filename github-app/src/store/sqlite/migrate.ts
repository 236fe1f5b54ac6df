import type Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

/**
 * Brings the database to the latest schema: applies each migration newer than `schema_version`, each in its own
 * transaction with its version row, so a failing migration leaves the database at the previous version. Returns
 * the versions applied. Throws (at hub start, an edge) when a migration fails or the database is newer than
 * this hub.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const current = (db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest) {
    throw new Error(
      `the database is at schema version ${current} but this hub knows only up to ${latest}; upgrade the hub`,
    );
  }
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    }).immediate();
    applied.push(migration.version);
  }
  return applied;
}
