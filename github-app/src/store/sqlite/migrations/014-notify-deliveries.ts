// Outgoing webhooks (github-app/src/notify/, docs/api.md "Notifications"): one row per delivery, kept from when the
// run ends until it is delivered or given up, so a hub that restarts (or another hub on the same database) sends
// what is still due. The row holds the body as sent and the URL as written — `{{secret.NAME}}` stays a reference,
// resolved at each attempt — never a secret's value. `delivery_attempts` is the log the dashboard shows.
// PostgreSQL runs the same tables with BIGINT times (its migration 14).
export function notifyDeliveriesSql(time: 'INTEGER' | 'BIGINT'): string {
  return `
CREATE TABLE notify_deliveries (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  repo TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  target TEXT NOT NULL,
  url TEXT NOT NULL,
  secret_name TEXT,
  format TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL,
  next_at ${time} NOT NULL,
  created_at ${time} NOT NULL,
  updated_at ${time} NOT NULL
);
CREATE INDEX notify_deliveries_due ON notify_deliveries (state, next_at);
CREATE INDEX notify_deliveries_by_flow ON notify_deliveries (repo, flow_id, created_at);
CREATE TABLE delivery_attempts (
  delivery_id TEXT NOT NULL REFERENCES notify_deliveries(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  at ${time} NOT NULL,
  status INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
`;
}

export const migration014 = { version: 14, name: 'notify-deliveries', sql: notifyDeliveriesSql('INTEGER') };
