import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';

// The listings the API serves most must search an index, not read every run (the runs table grows without bound).
describe('run listing queries', () => {
  const db = new Database(':memory:');
  migrate(db);
  const plan = (sql: string) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((row) => row.detail).join('; ');

  it.each([
    ['by state', "SELECT * FROM runs WHERE state = 'pending' AND id < 'x' ORDER BY id DESC LIMIT 50"],
    ['by flow', "SELECT * FROM runs WHERE flow_id = 'build' ORDER BY id DESC LIMIT 50"],
    ['by repo and flow', "SELECT * FROM runs WHERE repo = 'a' AND flow_id = 'b' ORDER BY id DESC LIMIT 50"],
    ['by ref', "SELECT * FROM runs WHERE ref = 'refs/heads/main' ORDER BY id DESC LIMIT 50"],
    ['by result', "SELECT * FROM runs WHERE result = 'bad' ORDER BY id DESC LIMIT 50"],
    ['with an expired lease', "SELECT * FROM runs WHERE state != 'archived' AND lease_expires_at < 5"],
  ])('finds runs %s through an index, already in order', (_name, sql) => {
    const detail = plan(sql);
    expect(detail).toMatch(/^SEARCH runs USING (COVERING )?INDEX/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });

  it('pages all runs newest first along the primary key', () => {
    expect(plan("SELECT * FROM runs WHERE id < 'x' ORDER BY id DESC LIMIT 50")).toMatch(
      /^SEARCH runs USING INDEX sqlite_autoindex_runs_1 \(id<\?\)$/,
    );
  });
});
