// `GET /api/runs?result=bad` (the dashboard's result filter) would read every run when few have that result;
// this index makes it a range, newest first.
export const migration005 = {
  version: 5,
  name: 'runs-by-result',
  sql: `
CREATE INDEX runs_by_result ON runs (result, id);
`,
};
