// A cancel asked for while the run is active is recorded, so that the run ends `cancelled` (not `lost`) when
// its runner is gone and the lease expires, and a runner that reconnects is told again (runs/cancel-run.ts).
export const migration002 = {
  version: 2,
  name: 'cancel-request',
  sql: `
ALTER TABLE runs ADD COLUMN cancel_requested_by TEXT;
ALTER TABLE runs ADD COLUMN cancel_requested_at INTEGER;
`,
};
