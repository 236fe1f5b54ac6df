// Which socket speaks for each connected runner (DESIGN §4 "Several hubs on one database"): a hub that sees a runner's old socket
// close marks the runner offline only if no newer connection — on this hub or another — has taken over since.
export const migration009 = {
  version: 9,
  name: 'runner-connection',
  sql: `
ALTER TABLE runners ADD COLUMN connection TEXT;
`,
};
