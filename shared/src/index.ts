// The public surface of @floe/shared, chosen on purpose (STYLE §15). Browser-safe: Node-only code lives under
// src/node/ and is exported from `@floe/shared/node`.

export { durationMs, formatDuration } from './flow/duration.js';
export { envEntries } from './flow/env-entries.js';
export {
  canEmit,
  emittableTags,
  mergeGood,
  type ParsedTag,
  parseTag,
  TRIGGER_GOOD,
  taskTag,
} from './flow/event-tags.js';
export * from './flow/flow-schema.js';
