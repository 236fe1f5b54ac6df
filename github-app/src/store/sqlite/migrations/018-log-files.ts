// A log chunk's bytes may be in its log's file under `<data-dir>/logs` (log-files.ts) instead of its text column,
// which then holds ''. Rows written before keep their text, and one log may hold both kinds: nothing is moved.
// Adding a column with a constant default rewrites only the schema. A hub older than this one refuses the
// database (its schema is newer), rather than serving those chunks as empty text. There is no 17 here: it is
// PostgreSQL's index for claims (postgres-migrations.ts), and PostgreSQL keeps log text in rows.
export const migration018 = {
  version: 18,
  name: 'log-files',
  sql: `
ALTER TABLE log_chunks ADD COLUMN in_file INTEGER NOT NULL DEFAULT 0;
`,
};
