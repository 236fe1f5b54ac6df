// Artifacts (DESIGN §8 "Artifacts"): what a run's tasks left behind. The metadata lives here, in both dialects; the
// bytes live in a blob store (artifacts/blob-store.ts): files under the data dir for a SQLite hub, and
// `blob_chunks` in the database for hubs sharing PostgreSQL (its migration 12 adds that table).
// `epoch` is the run's epoch when the upload began: an upload of a later epoch (another runner) starts over.
// `trust` is the run's, copied: `fetch` takes only artifacts of trusted runs (docs/security.md "Artifacts").
const artifactTables = (bigint: string) => `
CREATE TABLE artifacts (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  name TEXT NOT NULL,
  node TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('uploading', 'stored')),
  trust TEXT NOT NULL,
  size ${bigint} NOT NULL,
  created_at ${bigint} NOT NULL,
  stored_at ${bigint},
  expires_at ${bigint},
  UNIQUE (run_id, name)
);
CREATE INDEX artifacts_by_expiry ON artifacts (expires_at);

CREATE TABLE artifact_files (
  artifact_id TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  blob_id TEXT NOT NULL UNIQUE,
  size ${bigint} NOT NULL,
  sha256 TEXT NOT NULL,
  verified INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (artifact_id, path)
);
`;

export const migration012 = { version: 12, name: 'artifacts', sql: artifactTables('INTEGER') };

/** PostgreSQL's: the same tables, and the chunks of every blob (blob-store-postgres.ts), which every hub reads. */
export const postgresMigration012 = {
  version: 12,
  name: 'artifacts',
  sql: `${artifactTables('BIGINT')}
CREATE TABLE blob_chunks (
  blob_id TEXT NOT NULL,
  byte_offset BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (blob_id, byte_offset)
);
`,
};
