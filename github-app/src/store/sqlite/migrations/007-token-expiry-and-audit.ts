// Revocation and audit (docs/security.md "Revocation, expiry and audit"): API tokens may expire and remember when
// they were last used, and every admin and operator action is written to an append-only audit log. `id` orders
// the log (newest first is a scan of the primary key backwards) and is the cursor of its pages.
export const migration007 = {
  version: 7,
  name: 'token-expiry-and-audit',
  sql: `
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER;
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT
);
`,
};
