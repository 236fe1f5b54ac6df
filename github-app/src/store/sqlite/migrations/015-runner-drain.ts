// Drained runners and the protocol each runner speaks (docs/runners.md "Draining a runner"): the hub offers a drained
// runner nothing, and every hub sharing the database reads the flag from here, so it holds across hubs and restarts.
// The protocol version agreed at hello tells the runners view who needs an update.
export const migration015 = {
  version: 15,
  name: 'runner-drain',
  sql: `
ALTER TABLE runners ADD COLUMN drained BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE runners ADD COLUMN protocol INTEGER;
`,
};
