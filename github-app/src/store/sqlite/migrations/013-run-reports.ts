// What tasks report besides their logs (annotations, summaries, test reports: shared/src/protocol/task-report.ts),
// one row per `report` record, kept and pruned with the run. The same SQL runs on PostgreSQL (its migration 13).
export const migration013 = {
  version: 13,
  name: 'run-reports',
  sql: `
CREATE TABLE run_reports (
  run_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  node TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
`,
};
