// Secrets (DESIGN §8 "Credentials and keys"), sealed with FLOE_SECRET_KEY: `scope` is the repository, or '' for the
// hub's own (a key column cannot be NULL). Runs list which secrets they reference at offer time, so no index
// beyond the key is needed.
export const migration004 = {
  version: 4,
  name: 'secrets',
  sql: `
CREATE TABLE secrets (
  scope TEXT NOT NULL,
  name TEXT NOT NULL,
  sealed TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (scope, name)
);
`,
};
