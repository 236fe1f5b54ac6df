// Limits on what a FLOE.yaml can make large (docs/security.md "Limits", docs/floe-yaml.md "Limits"). A file over
// them is a lint error naming the limit, and the hub refuses to start its runs with that error; a period under the
// floor is a warning, and the hub waits the floor instead.

/** The largest FLOE.yaml, in UTF-8 bytes: 1 MiB (the same as a fetched flow-file). */
export const MAX_FLOE_FILE_BYTES = 1024 * 1024;

/**
 * The most nodes (triggers and tasks) one flow may have. A run's offer carries its whole flow, and the engine and
 * linter walk its graph: 20,000 tasks took seconds to start a run and made an offer too large to send.
 */
export const MAX_FLOW_NODES = 1_000;

/** The shortest period of a timer or poll-git trigger, in milliseconds: a shorter one is raised to it. */
export const MIN_TRIGGER_PERIOD_MS = 10_000;
