// The GitHub App's state gets a table of its own (store/github-state.ts): it was kept in `trigger_state` under
// `github:delivery:<id>`, `github:check:<runId>` and `github:repo:<owner/name>` keys. The rows move, versions kept.
// The same SQL runs on PostgreSQL (its migration 11).
export const migration011 = {
  version: 11,
  name: 'github-state',
  sql: `
CREATE TABLE github_state (
  kind TEXT NOT NULL CHECK (kind IN ('delivery', 'check', 'repo')),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (kind, key)
);
INSERT INTO github_state (kind, key, value, version)
  SELECT 'delivery', substr(key, 17), value, version FROM trigger_state WHERE substr(key, 1, 16) = 'github:delivery:';
INSERT INTO github_state (kind, key, value, version)
  SELECT 'check', substr(key, 14), value, version FROM trigger_state WHERE substr(key, 1, 13) = 'github:check:';
INSERT INTO github_state (kind, key, value, version)
  SELECT 'repo', substr(key, 13), value, version FROM trigger_state WHERE substr(key, 1, 12) = 'github:repo:';
DELETE FROM trigger_state
  WHERE substr(key, 1, 16) = 'github:delivery:' OR substr(key, 1, 13) = 'github:check:' OR substr(key, 1, 12) = 'github:repo:';
`,
};
