// The log chunk's offset column gets PostgreSQL's name (`offset` is a reserved word there), so that both dialects
// run the same SQL (store/sql-store.ts). A rename only rewrites the schema, not the table.
export const migration010 = {
  version: 10,
  name: 'log-byte-offset',
  sql: `
ALTER TABLE log_chunks RENAME COLUMN "offset" TO byte_offset;
`,
};
