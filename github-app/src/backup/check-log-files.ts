// A SQLite hub's log bytes are files under `<data-dir>/logs` (store/sqlite/log-files.ts) that the database's rows
// point into; a backup copies the database first and the files after it, and a restore unpacks both. What must
// hold between them: every row kept in a file finds its bytes there (a file may hold more, past the end its rows
// know: a write whose transaction did not commit, or an append made after the database was copied).
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { nodeLogFile } from '../store/sqlite/log-file-names.js';

/** A node's log whose file lacks bytes its rows say it holds. */
export type MissingLogBytes = { runId: string; node: string; end: number; has: number };

/** The logs of `db` whose files under `logDir` are missing or shorter than their rows say. */
export function missingLogBytes(db: Database.Database, logDir: string): MissingLogBytes[] {
  const hasColumn =
    (db.prepare(`SELECT 1 FROM pragma_table_info('log_chunks') WHERE name = 'in_file'`).get() ?? null) !== null;
  if (!hasColumn) return [];
  const logs = db
    .prepare(
      `SELECT run_id AS runId, node, CAST(node AS BLOB) AS bytes, MAX(byte_offset + length) AS end
       FROM log_chunks WHERE in_file = 1 GROUP BY run_id, node`,
    )
    .all() as { runId: string; node: string; bytes: Buffer; end: number }[];
  const missing: MissingLogBytes[] = [];
  for (const log of logs) {
    let has = 0;
    try {
      has = statSync(nodeLogFile(logDir, log.runId, log.bytes)).size;
    } catch {
      // Missing: has 0.
    }
    if (has < log.end) missing.push({ runId: log.runId, node: log.node, end: log.end, has });
  }
  return missing;
}
