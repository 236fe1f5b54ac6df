// The public surface of @floe/shared, chosen on purpose (STYLE §15). Browser-safe: Node-only code lives under
// src/node/ and is exported from `@floe/shared/node`.
export * from './flow/flow-schema.js';
export { durationMs, formatDuration } from './flow/duration.js';
export { envEntries } from './flow/env-entries.js';
