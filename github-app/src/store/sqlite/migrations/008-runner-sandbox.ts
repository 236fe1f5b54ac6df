// Whether each runner runs its tasks in a sandbox, as its hello said (DESIGN §9), and why not.
// A runner that has not said since is not sandboxed: untrusted runs are not offered to it.
export const migration008 = {
  version: 8,
  name: 'runner-sandbox',
  sql: `
ALTER TABLE runners ADD COLUMN sandboxed INTEGER NOT NULL DEFAULT 0 CHECK (sandboxed IN (0, 1));
ALTER TABLE runners ADD COLUMN sandbox_reason TEXT;
`,
};
