// Listing the runs of a flow without naming its repository (`GET /api/runs?flow=build`, the common case) was a
// scan of every run; this index makes it a range, newest first.
export const migration003 = {
  version: 3,
  name: 'runs-by-flow-id',
  sql: `
CREATE INDEX runs_by_flow_id ON runs (flow_id, id);
`,
};
