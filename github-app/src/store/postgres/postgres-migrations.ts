// The PostgreSQL schema: the same tables and meaning as the SQLite driver's migrations (store/sqlite/migrations/),
// in PostgreSQL's types. Times are BIGINT milliseconds (read back as numbers, see postgres-store.ts); JSON values
// are TEXT because no SQL looks inside them (the store parses them with the row schemas of store.ts).

import { migration011 } from '../sqlite/migrations/011-github-state.js';
import { postgresMigration012 } from '../sqlite/migrations/012-artifacts.js';
import { migration013 } from '../sqlite/migrations/013-run-reports.js';
import { notifyDeliveriesSql } from '../sqlite/migrations/014-notify-deliveries.js';
import { postgresMigration016 } from '../sqlite/migrations/016-task-caches.js';
import type { Migration } from '../sqlite/migrations.js';

const migration001: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE repos (
  name TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  default_ref TEXT,
  head_sha TEXT,
  refreshed_at BIGINT
);

CREATE TABLE flows (
  repo TEXT NOT NULL REFERENCES repos(name) ON DELETE CASCADE,
  id TEXT NOT NULL,
  ver INTEGER NOT NULL,
  name TEXT NOT NULL,
  triggers TEXT NOT NULL,
  flow TEXT,
  errors TEXT NOT NULL,
  sha TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (repo, id)
);

CREATE TABLE run_counters (
  repo TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (repo, flow_id)
);

CREATE TABLE runs (
  id TEXT COLLATE "C" PRIMARY KEY,
  repo TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'archived')),
  result TEXT,
  reason TEXT,
  reason_code TEXT,
  trigger TEXT NOT NULL,
  ref TEXT,
  sha TEXT,
  clone_url TEXT,
  flow TEXT NOT NULL,
  engine TEXT,
  runner_id TEXT,
  epoch INTEGER NOT NULL DEFAULT 0,
  lease_expires_at BIGINT,
  last_seq INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  ended_at BIGINT,
  retry_of TEXT,
  replay_from TEXT,
  pinned_runner_id TEXT,
  cancel_requested_by TEXT,
  cancel_requested_at BIGINT,
  UNIQUE (repo, flow_id, number)
);
CREATE INDEX runs_by_state ON runs (state, id);
CREATE INDEX runs_by_flow ON runs (repo, flow_id, id);
CREATE INDEX runs_by_flow_id ON runs (flow_id, id);
CREATE INDEX runs_by_ref ON runs (ref, id);
CREATE INDEX runs_by_lease ON runs (lease_expires_at) WHERE state != 'archived';

CREATE TABLE log_chunks (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  node TEXT NOT NULL,
  byte_offset BIGINT NOT NULL,
  length INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  stream TEXT NOT NULL,
  at BIGINT NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (run_id, node, byte_offset)
);

CREATE TABLE runners (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  tags TEXT NOT NULL DEFAULT '[]',
  slots INTEGER NOT NULL DEFAULT 1,
  credential_hash TEXT NOT NULL UNIQUE,
  connected BOOLEAN NOT NULL DEFAULT FALSE,
  last_seen_at BIGINT,
  version TEXT,
  created_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);

CREATE TABLE registration_tokens (
  token_hash TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT
);

CREATE TABLE trigger_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  version INTEGER NOT NULL
);

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
`,
};

// Secrets (the SQLite driver's 004-secrets): `scope` is the repository, or '' for the hub's own (a key column cannot
// be NULL); values are sealed before they reach the store.
const migration002: Migration = {
  version: 2,
  name: 'secrets',
  sql: `
CREATE TABLE secrets (
  scope TEXT NOT NULL,
  name TEXT NOT NULL,
  sealed TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (scope, name)
);
`,
};

// The result filter of the runs list (the SQLite driver's 005-runs-by-result).
const migration003: Migration = {
  version: 3,
  name: 'runs-by-result',
  sql: `
CREATE INDEX runs_by_result ON runs (result, id);
`,
};

// Every run has a trust level (the SQLite driver's 006-run-trust, and the same number: numbers 4 and 5 are left
// unused so that both drivers name this change alike).
const migration006: Migration = {
  version: 6,
  name: 'run-trust',
  sql: `
ALTER TABLE runs ADD COLUMN trust TEXT NOT NULL DEFAULT 'trusted' CHECK (trust IN ('trusted', 'untrusted'));
UPDATE runs SET trust = 'untrusted'
  WHERE (trigger::jsonb ->> 'noSecrets') = 'true' OR ref LIKE 'refs/pull/%';
WITH RECURSIVE tainted(id) AS (
  SELECT id FROM runs WHERE trust = 'untrusted'
  UNION SELECT runs.id FROM runs JOIN tainted ON runs.retry_of = tainted.id
)
UPDATE runs SET trust = 'untrusted' WHERE id IN (SELECT id FROM tainted);
UPDATE runs SET trigger = (trigger::jsonb - 'noSecrets')::text WHERE trigger::jsonb ? 'noSecrets';
`,
};

// Token expiry, last use and the audit log (the SQLite driver's 007-token-expiry-and-audit).
const migration007: Migration = {
  version: 7,
  name: 'token-expiry-and-audit',
  sql: `
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
CREATE TABLE audit_log (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT
);
`,
};

// Whether each runner sandboxes its tasks, and why not (the SQLite driver's 008-runner-sandbox).
const migration008: Migration = {
  version: 8,
  name: 'runner-sandbox',
  sql: `
ALTER TABLE runners ADD COLUMN sandboxed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE runners ADD COLUMN sandbox_reason TEXT;
`,
};

// Which socket speaks for each connected runner (the SQLite driver's 009-runner-connection).
const migration009: Migration = {
  version: 9,
  name: 'runner-connection',
  sql: `
ALTER TABLE runners ADD COLUMN connection TEXT;
`,
};

// Drained runners and the protocol each speaks (the SQLite driver's 015-runner-drain).
const migration015: Migration = {
  version: 15,
  name: 'runner-drain',
  sql: `
ALTER TABLE runners ADD COLUMN drained BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE runners ADD COLUMN protocol INTEGER;
`,
};

// Which live runs name a resource tag, for the claim of a run (SqlStore.claimRun, several hubs without one dispatch
// lease): the tag's holders and the older runs waiting for it, found without reading every live run's flow. SQLite
// has no 17: a lone hub dispatches from its own view, under its write lock.
const migration017: Migration = {
  version: 17,
  name: 'runs-by-resource-tag',
  sql: `
CREATE INDEX runs_live_by_resource_tag ON runs USING gin (((flow::jsonb) -> 'resource-tags')) WHERE state != 'archived';
`,
};

// The SQLite driver's 010 (renaming log_chunks.offset to PostgreSQL's byte_offset) has nothing to do here; 011, the
// GitHub state's own table, is the same SQL in both, as is 013, the tasks' reports.

// Outgoing webhooks' deliveries and their attempts (the SQLite driver's 014), with BIGINT times.
const migration014: Migration = { version: 14, name: 'notify-deliveries', sql: notifyDeliveriesSql('BIGINT') };

/** Every PostgreSQL migration, in order. Append only, like the SQLite list. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration006,
  migration007,
  migration008,
  migration009,
  migration011,
  postgresMigration012,
  migration013,
  migration014,
  migration015,
  postgresMigration016,
  migration017,
];
